"""What a distributed run did, round by round, for time- and bytes-to-accuracy curves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .._validate import describe
from ..train import RunHistory

__all__ = ["DistributedHistory", "RoundRecord"]


@dataclass(frozen=True, kw_only=True)
class RoundRecord:
    """One round (or, asynchronously, one server update).

    ``loss``/``metric``: sample-weighted means over the participants' local minibatches at
    the parameters they started from (NaN when nobody took part; metric as the loss reports it,
    accuracy or RMSE). ``time``: simulated seconds the round took. ``bytes_up``/``bytes_down``:
    bytes per link ("worker k" edge links, "gateway g" backhaul links) in each direction.
    ``participants``: workers whose update was applied; ``dropped``: worker -> why not.
    ``staleness``: per participant, how many server updates happened since it fetched the
    parameters (0 in synchronous rounds).
    """

    round: int
    loss: float
    metric: float
    time: float
    bytes_up: dict[str, int]
    bytes_down: dict[str, int]
    participants: tuple[int, ...]
    dropped: dict[int, str]
    staleness: tuple[int, ...] = ()


@dataclass(repr=False)  # RunHistory's one-line repr
class DistributedHistory(RunHistory):
    """Per-round lists (index = round), the final server state, and the evaluation curve.

    ``params``, ``opt_state``, ``loss``, ``metric``, ``val_loss``, ``val_metric`` as in a
    training history (``first_reaching`` finds the first round reaching a ``val_metric``).
    ``elapsed`` is the simulated clock at the end of each round and ``total_bytes`` the bytes
    moved over every link in both directions up to then: plot ``val_metric`` against either.
    ``state`` is the final ``ServerState`` (pass it as ``state=`` to continue the run).
    """

    round_time: list[float] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    bytes_up: list[int] = field(default_factory=list)
    bytes_down: list[int] = field(default_factory=list)
    total_bytes: list[int] = field(default_factory=list)
    bytes_up_by_link: list[dict[str, int]] = field(default_factory=list)
    bytes_down_by_link: list[dict[str, int]] = field(default_factory=list)
    participants: list[list[int]] = field(default_factory=list)
    dropped: list[dict[int, str]] = field(default_factory=list)
    staleness: list[list[int]] = field(default_factory=list)
    rounds_run: int = 0
    state: Any = None

    NOT_PLAIN: ClassVar[tuple[str, ...]] = ("params", "opt_state", "state")

    def record(self, record: RoundRecord, clock: float) -> None:
        """Append one round."""
        if not isinstance(record, RoundRecord):
            raise TypeError(f"record must be a RoundRecord; got {describe(record)}.")
        if isinstance(clock, bool) or not isinstance(clock, (int, float)) or not clock >= 0:
            raise ValueError(f"clock must be a number of seconds >= 0; got {clock!r}.")
        up, down = sum(record.bytes_up.values()), sum(record.bytes_down.values())
        previous = self.total_bytes[-1] if self.total_bytes else 0
        self.loss.append(record.loss)
        self.metric.append(record.metric)
        self.round_time.append(record.time)
        self.elapsed.append(clock)
        self.bytes_up.append(up)
        self.bytes_down.append(down)
        self.total_bytes.append(previous + up + down)
        self.bytes_up_by_link.append(record.bytes_up)
        self.bytes_down_by_link.append(record.bytes_down)
        self.participants.append(list(record.participants))
        self.dropped.append(dict(record.dropped))
        self.staleness.append(list(record.staleness))
        self.rounds_run += 1

    def bytes_by_link(self) -> dict[str, int]:
        """Total bytes over each link, both directions, over the whole run."""
        totals: dict[str, int] = {}
        for per_round in (*self.bytes_up_by_link, *self.bytes_down_by_link):
            for link, nbytes in per_round.items():
                totals[link] = totals.get(link, 0) + nbytes
        return totals

    def as_dict(self) -> dict[str, Any]:
        """Everything but the arrays, as plain Python values (JSON-serialisable)."""
        out = super().as_dict()
        out["dropped"] = [{str(k): v for k, v in d.items()} for d in self.dropped]
        return out

    def _repr_counts(self) -> list[str]:
        return [f"rounds_run={self.rounds_run}"]

    def _repr_extras(self) -> list[str]:
        clock = [f"elapsed={self.elapsed[-1]:.4g} s"] if self.elapsed else []
        return clock + ([f"total_bytes={self.total_bytes[-1]:,}"] if self.total_bytes else [])
