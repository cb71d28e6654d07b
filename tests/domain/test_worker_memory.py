"""The bulk export reports each render worker's own peak memory (the issue's 400 MB goal)."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from surveyapp.reporting import worker

MIB = 1024


def test_a_spawned_worker_reports_its_own_peak_not_its_parents():
    # A parent that once held 300 MiB: getrusage's ru_maxrss survives exec, so a spawned worker
    # measured that way would claim those 300 MiB as its own.
    ballast = bytearray(300 * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1
    assert worker.peak_rss_kib() >= 300 * MIB
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        worker_peak = pool.submit(worker.peak_rss_kib).result()
    del ballast
    assert 0 < worker_peak < 150 * MIB
