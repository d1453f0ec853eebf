"""The latent explorer (book/further/explorer.md) in headless Chromium, with every request beyond the local server
aborted (``page``, in conftest.py): it decodes what torch decodes, at once, and downloads little."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.slow
PAGE = "book/further/explorer.html"
PARITY_TOLERANCE = 1e-4  # the largest difference allowed between a pixel decoded in the page and by torch
MAX_DECODE_MS = 2.0  # the median time of one decoding in the page, over 100
MAX_DOWNLOAD = 2_000_000  # bytes the page may download beyond what a page of the book without the explorer does

# The pixels, 0 to 255, that a 28 × 28 canvas of the page shows (its red channel: the images are grey).
CANVAS = "canvas => Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 == 0))"


@pytest.fixture
def explorer(page, server):
    """The tab, on the explorer's page, once its files are loaded and it has drawn."""
    page.goto(f"{server}/{PAGE}", wait_until="networkidle")
    page.wait_for_function("window.aeExplorer !== undefined", timeout=20_000)
    return page


@pytest.fixture(scope="module")
def files(built_book) -> dict:
    """What the build wrote for the page: its header, the codes of the offered digits per model, their pixels."""
    folder = built_book / "_static" / "explorer"
    header = json.loads((folder / "explorer.json").read_text())
    numbers = (folder / header["bin"]).read_bytes()

    def array(part, dtype):
        return np.frombuffer(numbers, dtype=dtype, count=part["length"], offset=part["offset"])

    codes = [array(model["codes"], "<f4").reshape(-1, 2)[header["digits"]] for model in header["models"]]
    pixels = array(header["pixels"], "u1").reshape(len(header["digits"]), 784)
    return {"header": header, "codes": codes, "pixels": pixels,
            "parity": json.loads((folder / "parity.json").read_text())}


def shown(explorer, selector: str) -> list[np.ndarray]:
    """The pixels of every canvas that `selector` finds, in the page's order."""
    return [np.array(explorer.evaluate(CANVAS, canvas)) for canvas in explorer.query_selector_all(selector)]


def decoded(explorer, model: int, code) -> np.ndarray:
    """The pixels, in [0, 1], that the page decodes from `code` with model number `model`."""
    return np.array(explorer.evaluate("([m, code]) => aeExplorer.decode(m, code)", [model, list(map(float, code))]))


def grey(pixels: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] as the page's canvases show them, 0 to 255 (rounded as JavaScript's Math.round)."""
    return np.floor(255 * pixels + 0.5)


def test_the_page_decodes_what_torch_decodes(explorer, problems, files):
    names = [model["name"] for model in files["header"]["models"]]
    assert sorted(names) == sorted(files["parity"]) == ["autoencoder", "pca", "vae"]
    for m, name in enumerate(names):
        expected = files["parity"][name]
        assert len(expected["codes"]) == 3
        for code, pixels in zip(expected["codes"], expected["pixels"]):
            difference = np.abs(decoded(explorer, m, code) - np.array(pixels)).max()
            assert difference <= PARITY_TOLERANCE, f"{name}, code {code}: a pixel is {difference} from torch's"
    assert not problems, "\n".join(problems)


def test_dragging_the_point_decodes_at_once(explorer, problems):
    scatters, images = explorer.query_selector_all(".ae-scatter"), explorer.query_selector_all(".ae-decoded")
    assert len(scatters) == len(images) == 3
    for m, (scatter, image) in enumerate(zip(scatters, images)):
        before, point = explorer.evaluate(CANVAS, image), explorer.evaluate(f"aeExplorer.planes[{m}].point")
        scatter.scroll_into_view_if_needed()
        box = scatter.bounding_box()
        explorer.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
        explorer.mouse.down()
        explorer.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.8 * box["height"], steps=5)
        explorer.mouse.up()
        after, moved = np.array(explorer.evaluate(CANVAS, image)), explorer.evaluate(f"aeExplorer.planes[{m}].point")
        assert moved != point and not np.array_equal(after, before), f"plane {m}: dragging changed nothing"
        assert np.array_equal(after, grey(decoded(explorer, m, moved))), f"plane {m}: not the new point's"
    assert not problems, "\n".join(problems)


def test_the_interpolation_ends_at_the_chosen_digits(explorer, problems, files):
    thumbs = explorer.query_selector_all(".ae-thumb")
    assert len(thumbs) == len(files["header"]["digits"]) == 20
    start, end = 5, 14  # clicked in this order: the first click starts the path, the second ends it
    thumbs[start].click()
    thumbs[end].click()
    assert explorer.evaluate("[aeExplorer.from, aeExplorer.to]") == [start, end]
    steps = shown(explorer, ".ae-step")
    rows = [steps[i:i + 9] for i in range(0, len(steps), 9)]
    assert len(rows) == 4, "one row per model and one in pixel space"
    paths = explorer.evaluate("aeExplorer.paths")
    for m, (row, path) in enumerate(zip(rows, paths)):
        assert np.allclose(path[0], files["codes"][m][start]) and np.allclose(path[-1], files["codes"][m][end])
        for image, code in ((row[0], path[0]), (row[-1], path[-1])):
            assert np.array_equal(image, grey(decoded(explorer, m, code))), f"model {m}: an end is wrong"
    assert np.array_equal(rows[-1][0], files["pixels"][start]) and np.array_equal(rows[-1][-1], files["pixels"][end])
    assert not np.array_equal(rows[-1][4], rows[-1][0]), "the middle of the pixel row is one of its ends"
    assert not problems, "\n".join(problems)


def test_screenshot_of_the_explorer(explorer, problems, artifacts):
    path = artifacts / "explorer.png"
    explorer.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    assert not problems, "\n".join(problems)


# The median time of 100 decodings of one model, in milliseconds, each timed with performance.now() in the page.
TIMING = """m => {
  const times = [];
  for (let k = 0; k < 100; k++) {
    const code = [Math.sin(k), Math.cos(3 * k)];
    const start = performance.now();
    aeExplorer.decode(m, code);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return (times[49] + times[50]) / 2;
}"""


def test_decoding_one_image_takes_at_most_2_ms(explorer, problems):
    medians = [explorer.evaluate(TIMING, m) for m in range(3)]
    print(f"median time to decode one image in the page, per model: {', '.join(f'{t:.3f} ms' for t in medians)}")
    assert max(medians) <= MAX_DECODE_MS, f"decoding takes {medians} ms (median of 100), more than {MAX_DECODE_MS}"
    assert not problems, "\n".join(problems)


def downloads(page, url: str, ready: str = "true") -> dict[str, int]:
    """The bytes of every response the page at `url` downloads, by URL, once it has loaded and `ready` holds."""
    responses = []

    def record(response):
        responses.append(response)

    page.on("response", record)
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(ready, timeout=20_000)
    page.remove_listener("response", record)
    return {response.url: len(response.body()) for response in responses}


def test_the_page_downloads_at_most_2_mb_beyond_the_theme(page, problems, server):
    plain = downloads(page, f"{server}/book/intro.html")
    loaded = downloads(page, f"{server}/{PAGE}", "window.aeExplorer !== undefined")
    beyond = {url: size for url, size in loaded.items() if url not in plain}
    assert any(url.endswith("explorer.bin") for url in beyond), sorted(beyond)
    total = sum(beyond.values())
    print(f"the explorer's page downloads {total:,} bytes beyond the theme: {sorted(beyond)}")
    assert total <= MAX_DOWNLOAD, f"{total:,} bytes beyond the theme: {beyond}"
    assert not problems, "\n".join(problems)
