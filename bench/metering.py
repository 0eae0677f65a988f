"""Metering a command from /proc: wall time, peak RSS (VmHWM) and threads per role, CPU of the process tree.

Used by every benchmark contender that runs a CLI (pulumi, tofu); the in-process floor uses CpuMeter alone.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMMAND_TIMEOUT = 3600.0

# -- peak RSS and CPU of a process tree, from /proc ---------------------------------------------------
HZ = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> tuple[bytes, list[bytes]] | None:
    """/proc/<pid>/stat: the command name (it changes at exec) and the fields after it (0 = state, 1 = ppid)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    end = raw.rfind(b")")
    return raw[raw.find(b"(") + 1:end], raw[end + 2:].split()


def _stat_fields(pid: int | str) -> list[bytes] | None:
    stat = _stat(pid)
    return stat[1] if stat else None


def _ticks_of(fields: list[bytes]) -> int:
    return int(fields[11]) + int(fields[12])  # utime + stime


def _cpu_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return _ticks_of(fields) if fields else 0


def _system_busy_ticks() -> int:
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:9]]
    return sum(values) - values[3] - values[4]  # all but idle and iowait


def _read_status(pid: int) -> tuple[int | None, int | None]:
    """(VmHWM in kB, Threads) from /proc/<pid>/status; None where the process is gone."""
    hwm = threads = None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        pass
    return hwm, threads


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return [p.decode(errors="replace") for p in fh.read().split(b"\0") if p]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds during a phase: the tool (its process tree, or this process for the in-process floor
    client), the emulator, this harness (the /proc sampler), and foreign: anything else busy on the machine,
    a sign the timings were contended."""

    def __init__(self, emulator_pid: int, tool_is_harness: bool = False) -> None:
        self.emulator_pid = emulator_pid
        self.tool_is_harness = tool_is_harness
        self.busy = _system_busy_ticks()
        self.emulator = _cpu_ticks(emulator_pid)
        self.harness = _cpu_ticks(os.getpid())

    def finish(self, tree_ticks: int = 0) -> dict[str, float]:
        busy = _system_busy_ticks() - self.busy
        emulator = _cpu_ticks(self.emulator_pid) - self.emulator
        harness = _cpu_ticks(os.getpid()) - self.harness
        tool = harness if self.tool_is_harness else tree_ticks
        harness = 0 if self.tool_is_harness else harness
        return {"tool_s": round(tool / HZ, 2), "emulator_s": round(emulator / HZ, 2),
                "harness_s": round(harness / HZ, 2),
                "foreign_s": round(max(0, busy - tool - emulator - harness) / HZ, 2)}


def wait_quiet(max_wait: float, threshold: float = 0.25, window: float = 2.0) -> float:
    """Wait (up to ``max_wait`` s) until the machine's CPUs are less than ``threshold`` busy; seconds waited."""
    started = time.monotonic()
    cpus = len(os.sched_getaffinity(0))
    while time.monotonic() - started < max_wait:
        before = _system_busy_ticks()
        time.sleep(window)
        if (_system_busy_ticks() - before) / HZ / window / cpus < threshold:
            break
    return round(time.monotonic() - started, 1)


class PeakRss:
    """Samples every descendant of ``root``: the largest VmHWM (peak RSS, kB) and thread count per role, CPU ticks.

    Thread pools grow on demand, so the provider's peak thread count shows how many calls it really ran at once.

    A process seen by no sample is missing from every figure, and OpenTofu's provider lives a few hundred
    milliseconds at small N. So a sample costs little and comes often: the parent of each process is read once,
    when its pid first shows in /proc (a pid can't be reused within one interval: that takes pid_max forks), and
    only the tree's own processes are read after that. A process caught between fork and exec still carries its
    parent's command line, so a role is judged again (the command line read again) when the command name in
    /proc/<pid>/stat, read every sample for the CPU ticks anyway, changes: it does at every exec.
    """

    def __init__(self, root: int, classify: Callable[[list[str]], str], interval: float = 0.02) -> None:
        self.root = root
        self.classify = classify
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self.threads: dict[str, int] = {}
        self.ticks: dict[int, int] = {}  # last seen utime+stime per pid (misses each process's last interval)
        self._parents: dict[int, int] = {}
        self._roles: dict[int, tuple[bytes, str]] = {}  # pid: (command name, role)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        listed = {int(entry) for entry in os.listdir("/proc") if entry.isdigit()}
        for pid in self._parents.keys() - listed:
            del self._parents[pid]
        for pid in listed - self._parents.keys():
            fields = _stat_fields(pid)
            if fields:
                self._parents[pid] = int(fields[1])
        children: dict[int, list[int]] = {}
        for pid, ppid in self._parents.items():
            children.setdefault(ppid, []).append(pid)
        todo, tree = [self.root], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        return tree

    def _sample(self) -> None:
        for pid in self._tree():
            stat = _stat(pid)
            if stat is None:
                continue
            comm, fields = stat
            known = self._roles.get(pid)
            if known is None or known[0] != comm:
                argv = _cmdline(pid)
                if not argv:  # gone, or a zombie
                    continue
                known = self._roles[pid] = (comm, self.classify(argv))
            role = known[1]
            hwm, threads = _read_status(pid)
            if hwm is not None and hwm > self.peaks.get(role, 0):
                self.peaks[role] = hwm
            if threads is not None and threads > self.threads.get(role, 0):
                self.threads[role] = threads
            ticks = _ticks_of(fields)
            if ticks:
                self.ticks[pid] = ticks

    def cpu_by_role(self) -> dict[str, float]:
        by_role: dict[str, float] = {}
        for pid, ticks in self.ticks.items():
            role = self._roles[pid][1]
            by_role[role] = by_role.get(role, 0.0) + ticks / HZ
        return {role: round(seconds, 2) for role, seconds in sorted(by_role.items())}

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                return


@dataclass
class Command:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    rss_kb: dict[str, int]
    cpu: dict[str, Any] = field(default_factory=dict)


def run_command(argv: list[str], cwd: Path, env: dict[str, str], classify: Callable[[list[str]], str],
                emulator_pid: int) -> Command:
    meter = CpuMeter(emulator_pid)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid, classify) as rss:
        try:
            out, err = proc.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    seconds = time.perf_counter() - started
    cpu: dict[str, Any] = {**meter.finish(sum(rss.ticks.values())), "tool_by_role_s": rss.cpu_by_role(),
                           "threads_peak_by_role": dict(sorted(rss.threads.items()))}
    return Command(seconds, proc.returncode, out, err, dict(rss.peaks), cpu)
