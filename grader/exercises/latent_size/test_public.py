"""Public checks of the exercise "latent size": its interface and behaviour, no reference solution needed."""
import pytest

from grader.probes import SAMPLE_IMAGES
from grader.exercises.latent_size import CHOICES, UNREACHABLE
from grader.checks import check, check_uses_its_splits, is_number, is_tensor, number_hint, same, show

IMAGES = (SAMPLE_IMAGES, 1, 28, 28)


def model_facts(run, probe: str, call: str) -> dict:
    facts = run.value(probe)
    check(facts["is_module"], f"{call} must return a torch.nn.Module (an ae.Net), not a {facts['type']}")
    return facts


@pytest.mark.points(1)
def test_build_autoencoder_returns_an_autoencoder(run):
    """build_autoencoder(8) maps images to images through codes of size 8"""
    facts = model_facts(run, "build", "build_autoencoder(8)")
    check(is_tensor(facts["output"], IMAGES),
          f"the model of build_autoencoder(8) must return images of the input's shape {IMAGES}; "
          f"it returned {show(facts['output'])}")
    check(is_tensor(facts["code"], (SAMPLE_IMAGES, 8)),
          f"model.encode(images) must give one code of size 8 per image, shape ({SAMPLE_IMAGES}, 8), for latent "
          f"size 8; it gave {show(facts['code']) if facts['code'] is not None else 'nothing (no encode method)'}")


@pytest.mark.points(1)
def test_build_autoencoder_is_seeded(run):
    """the same seed gives the same model, another seed another model"""
    first, again, other = (model_facts(run, p, "build_autoencoder")
                           for p in ("build", "build_again", "build_other_seed"))
    check(same(first["output"], again["output"]),
          "build_autoencoder(8, seed=s) called twice with the same seed must give the same model: seed the random "
          "generators with `seed` (ae.reset does) before creating the layers")
    check(not same(first["output"], other["output"]),
          "build_autoencoder(8, seed=s) must give another model for another seed: use the `seed` argument")


@pytest.mark.points(1)
def test_choose_latent_size_picks_the_smallest_size_reaching_the_target(run):
    """choose_latent_size picks the smallest latent size whose MSE is at most the target"""
    for case, (results, target, expected) in CHOICES.items():
        got = run.value(f"choose {case}")
        check(got == expected and isinstance(got, int),
              f"choose_latent_size({results}, target={target}) must return {expected}, the smallest latent size "
              f"whose MSE is at most {target}; it returned {show(got)}")


@pytest.mark.points(1)
def test_choose_latent_size_raises_when_no_size_reaches_the_target(run):
    """choose_latent_size raises ValueError when no size reaches the target"""
    results, target = UNREACHABLE
    error = run.error("choose unreachable")
    check(error is not None and error["type"] == "ValueError",
          f"choose_latent_size({results}, target={target}) must raise ValueError (no size reaches {target}); "
          + (f"it raised {error['type']}" if error else f"it returned {show(run.value('choose unreachable'))}"))


@pytest.mark.points(1)
def test_sweep_gives_one_validation_mse_per_latent_size(run):
    """sweep returns {latent size: validation MSE} for every size of GRID"""
    grid = run.value("constants")["GRID"]
    sweep = run.value("sweep")
    check(isinstance(sweep, dict) and sorted(sweep) == sorted(grid),
          f"sweep(train_set, validation_set) must return a dict with one entry per latent size of GRID {grid}; "
          f"it returned {show(sweep)}")
    bad = {size: mse for size, mse in sweep.items() if not (is_number(mse) and 0 < mse < 1)}
    shown = {size: show(mse) for size, mse in bad.items()}
    check(not bad, f"every value of sweep(...) must be an MSE on the images of its second argument, a float "
                   f"between 0 and 1; these are not: {shown}{number_hint(next(iter(bad.values()), None))}")


@pytest.mark.points(1)
def test_same_seed_same_numbers(run):
    """train_and_evaluate(8) gives exactly the validation MSE that sweep found for 8"""
    alone = run.value("train")
    sweep = run.value("sweep")
    check(is_number(alone), f"train_and_evaluate(8, ...) must return the MSE as a float, not {show(alone)}"
                            + number_hint(alone))
    found = sweep.get(8) if isinstance(sweep, dict) else None
    check(alone == found,
          f"train_and_evaluate(8, train_set, validation_set, seed=s) returned {show(alone)}, but sweep(train_set, "
          f"validation_set, seed=s) found {show(found)} for latent size 8: every run must depend on its seed only "
          "(seed the model, the shuffling of the training set and anything else random), so that the same call "
          "gives the same number")


@pytest.mark.points(1)
def test_train_and_evaluate_uses_the_splits_it_is_given(run):
    """train_and_evaluate trains on its train_set and measures on its test_set"""
    check_uses_its_splits(run, "train_and_evaluate(8, train_set, test_set)", run.value("train"))
