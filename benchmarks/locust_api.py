"""Locust users for api_lists.py --load: a partner system calling one API path with its
key, without pause. BENCH_API_KEY is the key, BENCH_PATH the path; any status but 200
counts as an error."""

import os

from locust import FastHttpUser, constant, task

HEADERS = {"Authorization": f"Bearer {os.environ['BENCH_API_KEY']}"}
PATH = os.environ["BENCH_PATH"]


class Partner(FastHttpUser):
    wait_time = constant(0)

    @task
    def call(self) -> None:
        with self.client.get(
            PATH, headers=HEADERS, allow_redirects=False, catch_response=True, name=PATH
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
