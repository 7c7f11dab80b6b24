"""The Flask app that the stack deploys: one page that reports its version, one health check."""

import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    version = os.environ.get("APP_VERSION", "unknown")
    return f"Hello from ECS Fargate! Version: {version}"


@app.get("/health")
def health() -> tuple[str, int]:
    return "OK", 200
