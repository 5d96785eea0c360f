"""Prefect task runners by name: ``thread`` (in-process pool), ``dask`` (prefect-dask on a local
``distributed`` cluster of worker processes, or an existing scheduler), ``ray`` (prefect-ray, an
optional extra)."""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner

from ..errors import ConfigError

RUNNERS = ("thread", "dask", "ray")


class RunnerError(ConfigError):
    """A task runner cannot be built (unknown name, missing optional package, bad option)."""


def make_task_runner(runner: str = "thread", workers: int | None = None, address: str | None = None):
    """The Prefect task runner named ``runner``. ``workers``: threads or worker processes to start;
    ``address``: an existing Dask scheduler (``tcp://host:8786``) or Ray cluster (``ray://...``)."""
    if runner == "thread":
        if address:
            raise RunnerError("--address needs --runner dask or ray (threads run in this process)")
        return ThreadPoolTaskRunner(max_workers=workers or 4)
    if runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise RunnerError("--runner dask needs prefect-dask: pip install prefect-dask") from exc
        if address:
            return DaskTaskRunner(address=address)
        # Worker processes (not threads): each loads its own models and runs Python without the GIL of
        # the others. Loopback only, dashboard on a free port: other users of the machine are left alone.
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers or 2,
                "threads_per_worker": 1,
                "processes": True,
                "host": "127.0.0.1",
                "dashboard_address": ":0",
            }
        )
    if runner == "ray":
        try:
            from prefect_ray import RayTaskRunner
        except ImportError as exc:
            raise RunnerError(
                "--runner ray needs the ray extra: pip install 'hippograph[ray]' (prefect-ray and ray)"
            ) from exc
        if address:
            return RayTaskRunner(address=address)
        return RayTaskRunner(init_kwargs={"num_cpus": workers or 2, "include_dashboard": False})
    raise RunnerError(f"unknown runner {runner!r}; expected one of {', '.join(RUNNERS)}")


def in_process(runner: str) -> bool:
    """Whether tasks of ``runner`` run in this process (and may share its open models)."""
    return runner == "thread"
