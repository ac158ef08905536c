"""CRLQAS bookkeeping checked against hand-computed cases: actions, encoding, masks, reward,
curriculum and random halting."""

from __future__ import annotations

import numpy as np
import pytest

from qgnas.envs.crlqas import MovingThreshold, RandomHalting, incremental_with_fixed_ends
from qgnas.quantum.actions import CircuitBoard, GateActions


@pytest.mark.parametrize("n, count", [(2, 8), (3, 15), (4, 24), (6, 48), (8, 80)])
def test_action_count_is_n_times_n_plus_2(n, count):
    assert len(GateActions(n)) == count


def test_action_order_and_round_trip():
    acts = GateActions(3)
    assert acts.gates[:6] == [
        ("cx", 0, 1),
        ("cx", 0, 2),
        ("cx", 1, 0),
        ("cx", 1, 2),
        ("cx", 2, 0),
        ("cx", 2, 1),
    ]
    assert acts.gates[6:9] == [("rx", 0), ("ry", 0), ("rz", 0)]
    for i in range(len(acts)):
        assert acts.action(acts.gate(i)) == i
    with pytest.raises(ValueError, match=r"action 15 is not an integer in 0..14"):
        acts.gate(15)
    with pytest.raises(ValueError, match="not in the action set"):
        acts.action(("cx", 0, 0))


def test_connectivity_restricts_cnots_and_is_validated():
    coupling = [(0, 1), (1, 0), (1, 2), (2, 1), (1, 3), (3, 1)]  # the CRLQAS/QCAS 4-qubit device
    acts = GateActions(4, coupling)
    assert len(acts) == 6 + 12 and acts.cnot_pairs == coupling
    with pytest.raises(ValueError, match=r"\(0, 4\) is not a \(control, target\) pair"):
        GateActions(4, [(0, 4)])
    with pytest.raises(ValueError, match="twice"):
        GateActions(2, [(0, 1), (0, 1)])


def test_moments_and_tensor_layout():
    n = 3
    board = CircuitBoard(GateActions(n), max_moments=5)
    assert board.append(("rx", 0)) == 0
    assert board.append(("cx", 0, 1)) == 1  # waits for qubit 0
    assert board.append(("rz", 2)) == 0  # qubit 2 is free at moment 0
    assert board.append(("ry", 1)) == 2
    t = board.tensor
    assert t[0, n + 0, 0] == 1  # rx on qubit 0
    assert t[1, 1, 0] == 1  # cnot: [target][control]
    assert t[0, n + 2, 2] == 1 and t[2, n + 1, 1] == 1
    assert t.sum() == 4 and board.depth == 3
    assert board.counts() == {"gates": 4, "cnots": 1, "rotations": 3, "depth": 3}


def test_illegal_action_mask_follows_the_crlqas_rule():
    acts = GateActions(3)
    board = CircuitBoard(acts, max_moments=10)
    legal = lambda g: bool(board.mask()[acts.action(g)])  # noqa: E731
    assert board.mask().all()
    board.append(("cx", 0, 1))
    assert not legal(("cx", 0, 1))  # the same CNOT right after itself
    assert legal(("cx", 1, 0)) and legal(("cx", 0, 2))
    board.append(("rx", 2))  # a gate on another wire does not clear it
    assert not legal(("cx", 0, 1))
    board.append(("rz", 1))  # a gate on one of its wires does
    assert legal(("cx", 0, 1))
    assert not legal(("rz", 1)) and legal(("rx", 1))
    board.append(("rx", 1))
    assert legal(("rz", 1)) and not legal(("rx", 1))  # a different axis in between clears the ban
    board.append(("cx", 1, 2))  # a CNOT on the wire clears a rotation ban
    assert legal(("rx", 1))


@pytest.mark.parametrize(
    "prev, e, mu, xi, last, expected",
    [
        (-1.0, -1.30, -1.32, 0.05, False, (5.0, True)),  # |mu - E| = 0.02 < 0.05
        (-1.0, -1.30, -1.32, 0.05, True, (5.0, True)),  # success beats the budget end
        (-1.0, -1.10, -1.32, 0.05, True, (-5.0, False)),
        (-1.0, -1.10, -1.32, 0.05, False, (pytest.approx(0.1 / 0.32), False)),
        (-1.1, -1.0, -1.32, 0.05, False, (pytest.approx(-0.1 / 0.22), False)),
        (-1.0, -1.40, -1.32, 0.01, False, (1.0, False)),  # below mu (noise): clipped to 1
    ],
)
def test_reward_incremental_with_fixed_ends(prev, e, mu, xi, last, expected):
    assert incremental_with_fixed_ends(prev, e, mu, xi, last) == expected


def test_moving_threshold_resets_every_period_and_shrinks_after_successes():
    cur = MovingThreshold(mu=-2.0, xi0=1.0, period=4, delta=0.1, successes=2, kappa=10)
    assert cur.threshold == 1.0
    cur.observe(-1.5)
    cur.end_episode(success=True)
    assert cur.threshold == 1.0
    cur.end_episode(success=True)  # second success: shrink by delta/kappa = 0.01
    assert cur.threshold == pytest.approx(0.99)
    cur.observe(-1.7)
    cur.end_episode(success=False)
    cur.end_episode(success=False)  # episode 4: reset to |mu - E_best| + delta = 0.3 + 0.1
    assert cur.threshold == pytest.approx(0.4) and cur.shrinks == 0
    for _ in range(40):  # at most kappa shrinks between resets: down to 0.4 - 10 * 0.01
        cur.period = 10**9
        cur.end_episode(success=True)
    assert cur.threshold == pytest.approx(0.3) and cur.shrinks == 10


def test_moving_threshold_switch_blocks_shrinking_when_far():
    cur = MovingThreshold(mu=-2.0, xi0=1.0, period=100, delta=0.1, successes=1, switch=0.2)
    cur.observe(-1.0)  # gap 1.0 >= switch
    cur.end_episode(success=True)
    assert cur.threshold == 1.0
    with pytest.raises(ValueError, match="delta must be positive"):
        MovingThreshold(mu=-1.0, xi0=1.0, delta=0)


def test_random_halting_matches_the_crlqas_distributions():
    rng = np.random.default_rng(0)
    noisy = [RandomHalting.noisy().sample(rng) for _ in range(300)]
    clean = [RandomHalting.noiseless().sample(rng) for _ in range(3000)]
    assert all(0 <= x <= 40 for x in noisy) and 23 <= np.mean(noisy) <= 29
    assert all(25 <= x <= 70 for x in clean) and 49 <= np.mean(clean) <= 56
    a = [RandomHalting.noisy().sample(np.random.default_rng(5)) for _ in range(2)]
    assert a[0] == a[1]
