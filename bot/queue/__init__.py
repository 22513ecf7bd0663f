"""Distributed postcard jobs: the queue port's records, the arq (Redis) queue, and the worker process.

The in-process queue (bot/core/jobs.py) stays the embedded default; QUEUE_URL=redis://… selects
this one, whose jobs run in `avatar-bot worker` processes that may live on other hosts.
"""
