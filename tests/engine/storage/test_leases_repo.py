"""LeaseRepository on both backends: a camera has one holder at a time, an expired lease can be
taken over, renewals only extend one's own leases, and engines that stop beating drop out."""

from __future__ import annotations

import threading
from datetime import timedelta

from engine.storage.database import Database
from engine.storage.repos.leases import EngineNode, LeaseRepository

TTL = timedelta(seconds=10)


def node(engine_id: str, repo: LeaseRepository) -> EngineNode:
    return EngineNode(engine_id, f"host:{engine_id}", "local", repo.now())


def test_one_holder_per_camera_until_its_lease_expires(db: Database) -> None:
    repo = LeaseRepository(db)
    now = repo.now()
    assert repo.claim("cam-1", "a", now, TTL)
    assert not repo.claim("cam-1", "b", now + timedelta(seconds=9), TTL)  # still a's
    assert repo.claim("cam-1", "a", now + timedelta(seconds=9), TTL)  # a re-claims its own
    assert repo.claim("cam-1", "b", now + timedelta(seconds=20), TTL)  # expired: b takes it
    assert repo.leases()["cam-1"].engine_id == "b"


def test_renew_extends_only_ones_own_leases_and_release_frees_them(db: Database) -> None:
    repo = LeaseRepository(db)
    now = repo.now()
    repo.claim("cam-1", "a", now, TTL)
    repo.claim("cam-2", "b", now, TTL)
    assert repo.renew("a", ["cam-1", "cam-2", "cam-3"], now + timedelta(seconds=5), TTL) == {
        "cam-1"
    }
    leases = repo.leases()
    assert leases["cam-1"].expires_at == now + timedelta(seconds=15)
    assert leases["cam-2"].expires_at == now + TTL
    repo.release("a", ["cam-1", "cam-2"])  # cam-2 is b's: left alone
    assert set(repo.leases()) == {"cam-2"}
    assert repo.claim("cam-1", "b", now, TTL)


def test_engines_that_stop_beating_are_not_live_and_leaving_frees_their_cameras(
    db: Database,
) -> None:
    repo = LeaseRepository(db)
    now = repo.now()
    repo.heartbeat(node("old", repo), now - timedelta(seconds=30))
    repo.heartbeat(node("a", repo), now)
    repo.heartbeat(node("b", repo), now)
    repo.heartbeat(node("b", repo), now + timedelta(seconds=1))  # a second beat updates the row
    assert sorted(repo.live_engines(since=now - TTL)) == ["a", "b"]
    repo.claim("cam-1", "b", now, TTL)
    repo.leave("b")
    assert repo.live_engines(since=now - TTL) == ["a"]
    assert repo.leases() == {}


def test_engines_claiming_the_same_camera_at_once_get_one_winner(db: Database) -> None:
    repo = LeaseRepository(db)
    now = repo.now()
    start = threading.Barrier(4)
    won: list[str] = []

    def claim(engine_id: str) -> None:
        start.wait()
        if repo.claim("cam-1", engine_id, now, TTL):
            won.append(engine_id)

    threads = [threading.Thread(target=claim, args=(f"e{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1
    assert repo.leases()["cam-1"].engine_id == won[0]
