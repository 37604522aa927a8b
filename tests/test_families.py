import keras
import numpy as np
import pytest

from course_utils.families import (
    FAMILIES,
    WallClock,
    at_budget,
    format_table,
    summarise,
    train_for_seconds,
)


def _runs():
    def checkpoint(seconds, fd, steps):
        return {"seconds": seconds, "steps": steps, "frechet_distance": fd, "precision": 0.5,
                "recall": 0.5, "density": 1.0, "coverage": 0.5, "classes": [1] * 10}

    return [{"sampler": "GAN", "seed": seed,
             "checkpoints": [checkpoint(5.1, 100 + seed, 10), checkpoint(15.02, fd, 30)]}
            for seed, fd in enumerate([10.0, 12.0, 17.0])]


def test_summarise_takes_the_first_checkpoint_at_or_after_the_budget_with_ddof_1():
    table = summarise(_runs(), 15)
    mean, sd, n = table["GAN"]["frechet_distance"]
    assert (mean, n) == (13.0, 3)
    assert sd == pytest.approx(np.std([10, 12, 17], ddof=1))
    assert summarise(_runs(), 5)["GAN"]["frechet_distance"][0] == pytest.approx(101.0)
    assert summarise(_runs(), 5.1)["GAN"]["steps"][0] == 10  # at the budget: that checkpoint
    assert at_budget(_runs()[0]["checkpoints"], 99)["seconds"] == 15.02  # past the end: the last
    assert "13.0 ± 3.6" in format_table(table, 15)


def test_wall_clock_stops_fit_and_scores_at_checkpoints():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    clock = WallClock(0.3, checkpoints=(0.1, 0.3, 5.0), description="test",
                      at_checkpoint=lambda m, t, steps: seen.append((t, steps)))
    x = np.zeros((64, 4), "float32")
    model.fit(x, x[:, :1], epochs=10**6, batch_size=8, verbose=0, callbacks=[clock])
    assert clock.checkpoints == [0.1, 0.3]  # checkpoints past the budget are dropped
    assert len(seen) == 2 and seen[0][0] >= 0.1 and seen[1][0] >= 0.3
    assert 0.3 <= clock.elapsed() < 5.0
    assert clock.bar.n == clock.bar.total
    with pytest.raises(ValueError, match="seconds"):
        WallClock(0)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_trains_for_its_seconds_and_scores_every_sampler(family):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(64, 28, 28)).astype("float32")
    real = rng.normal(size=(40, 5))
    import course_utils.families as families

    def fake_scores(images, real_features):
        assert images.shape == (20, 28, 28)
        return {"frechet_distance": float(images.mean()), "classes": [2] * 10}

    original = families.score_samples
    families.score_samples = fake_scores
    try:
        run = train_for_seconds(family, x, real, seconds=0.5, seed=1, checkpoints=(0.2,),
                                n_samples=20)
    finally:
        families.score_samples = original
    assert set(run.scores) == set(FAMILIES[family].samplers)
    for points in run.scores.values():
        assert [p["seconds"] >= c for p, c in zip(points, (0.2, 0.5), strict=True)] == [True] * 2
        assert points[-1]["steps"] == run.steps > 0
    with pytest.raises(ValueError, match="family"):
        train_for_seconds("flow", x, real, seconds=1)
