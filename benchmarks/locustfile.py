"""Locust users for load.py: signed-in members requesting one page, without pause.

BENCH_SESSIONS names a JSON file {"cookie": <session cookie name>, "sessions": [...]},
sessions made by page_cases.load_sessions; BENCH_PATH is the page. A redirect (for
example to sign-in) or any status but 200 counts as an error.
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, task

with open(os.environ["BENCH_SESSIONS"]) as f:
    _CONFIG = json.load(f)
_SESSIONS = itertools.cycle(_CONFIG["sessions"])
PATH = os.environ["BENCH_PATH"]


class Member(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.headers = {"Cookie": f"{_CONFIG['cookie']}={next(_SESSIONS)}"}

    @task
    def page(self) -> None:
        with self.client.get(
            PATH, headers=self.headers, allow_redirects=False, catch_response=True, name=PATH
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
