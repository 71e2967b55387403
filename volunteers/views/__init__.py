"""Pages of the volunteers app: a volunteer's own (mine), the coordinator's (coordinating),
opportunities, and joining by invitation."""
