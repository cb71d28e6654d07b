"""The offline demo site (``flask demo site``) shows what it promises: a stale column, a blank column, a
fresh and a stale feed, entrances, metadata; served locally by werkzeug, never the network."""

from __future__ import annotations

import logging
import threading
from datetime import date

import pytest
from werkzeug.serving import make_server

from surveyapp.inspector.crawler import Crawler
from surveyapp.inspector.demo_site import app
from surveyapp.inspector.run import Inspection, TargetSpec


@pytest.fixture
def demo():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", f"127.0.0.1:{server.server_port}"
    server.shutdown()


def test_demo_site_findings(demo):
    base, host = demo
    inspection = Inspection(Crawler({host}, "t", timeout=5, min_interval=0, allow_private=True), date.today())
    findings = inspection.target(TargetSpec("website", base + "/"))
    findings += inspection.target(TargetSpec("feed", base + "/feed.xml"))
    findings += inspection.target(TargetSpec("feed", base + "/stale-feed.xml"))
    columns = {f.detail.split(":")[0]: f for f in findings if f.check == "column_freshness"}
    assert columns["工作动态"].status == "pass"
    assert columns["通知公告"].status == "fail"  # eight months: overdue
    assert columns["人事信息"].detail.endswith("blank")
    assert "(list)" in columns["政策文件"].detail  # no metadata on its articles: the list's dates
    by_check = {f.check: f for f in findings if f.check not in ("column_freshness", "feed_freshness")}
    assert by_check["home_page_freshness"].status == "pass"
    assert by_check["required_entrances"].status == "pass"
    assert (by_check["overdue_columns"].observed, by_check["blank_columns"].observed) == (1, 1)
    assert [f.status for f in findings if f.check == "feed_freshness"] == ["pass", "fail"]


def test_flask_demo_site_serves_the_site(tmp_path):
    """The real command in its own process: it prints how to use it and serves the pages."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"SURVEYAPP_INSTANCE_PATH": str(tmp_path), "FLASK_APP": "wsgi.py"}
    flask = Path(sys.executable).with_name("flask")
    process = subprocess.Popen([str(flask), "demo", "site", "--port", str(port)], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        lines = [process.stdout.readline() for _ in range(6)]
        assert any("flask inspect add-target" in line for line in lines), lines
        assert any("INSPECT_ALLOW_PRIVATE_HOSTS" in line for line in lines), lines
        for _ in range(50):
            try:
                home = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert home.status_code == 200 and 'name="PubDate"' in home.text
    finally:
        process.terminate()
        process.wait(timeout=10)
