"""The book's in-page models in headless Chromium, with every request beyond the local server aborted (``page``, in
conftest.py): the latent explorer (book/further/explorer.md) and the page where the reader draws a digit
(book/further/draw.md), and the denoiser of the denoising page compute what torch computes, at once, and
download little."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.slow
PAGE = "book/further/explorer.html"
DRAW_PAGE = "book/further/draw.html"
DENOISE_PAGE = "book/further/denoising.html"
PARITY_TOLERANCE = 1e-4  # the largest difference allowed between a pixel decoded in the page and by torch
MAX_DECODE_MS = 2.0  # the median time of one decoding in the page, over 100
MAX_DOWNLOAD = 2_000_000  # bytes the page may download beyond what a page of the book without the explorer does

# The pixels, 0 to 255, that a 28 × 28 canvas of the page shows (its red channel: the images are grey).
CANVAS = "canvas => Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 == 0))"


def opened(page, url: str, state: str):
    """`page` on `url`, once the in-page model's files are loaded and it has drawn (`window.<state>` is set)."""
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(f"window.{state} !== undefined", timeout=20_000)
    return page


def exported(built_book, path: str):
    """The header of an export the build wrote (`_static/<path>`) and a function that reads a part of its numbers
    (`{offset, length}`) as `dtype`."""
    header = json.loads((built_book / "_static" / path).read_text())
    numbers = (built_book / "_static" / path).with_name(header["bin"]).read_bytes()

    def array(part, dtype="<f4"):
        return np.frombuffer(numbers, dtype=dtype, count=part["length"], offset=part["offset"])

    return header, array


@pytest.fixture
def explorer(page, server):
    """The tab, on the explorer's page, once its files are loaded and it has drawn."""
    return opened(page, f"{server}/{PAGE}", "aeExplorer")


@pytest.fixture(scope="module")
def files(built_book) -> dict:
    """What the build wrote for the page: its header, the codes of the offered digits per model, their pixels."""
    header, array = exported(built_book, "explorer/explorer.json")
    codes = [array(model["codes"], "<f4").reshape(-1, 2)[header["digits"]] for model in header["models"]]
    pixels = array(header["pixels"], "u1").reshape(len(header["digits"]), 784)
    return {"header": header, "codes": codes, "pixels": pixels,
            "parity": json.loads((built_book / "_static" / "explorer" / "parity.json").read_text())}


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


@pytest.mark.parametrize("url, ready, weights", [(PAGE, "window.aeExplorer", "explorer.bin"),
                                                 (DRAW_PAGE, "window.aeDraw", "draw.bin"),
                                                 (DENOISE_PAGE, "window.aeDenoise", "denoise.bin")])
def test_each_page_downloads_at_most_2_mb_beyond_the_theme(page, problems, server, url, ready, weights):
    plain = downloads(page, f"{server}/book/intro.html")
    loaded = downloads(page, f"{server}/{url}", f"{ready} !== undefined")
    beyond = {url: size for url, size in loaded.items() if url not in plain}
    assert any(url.endswith(weights) for url in beyond), sorted(beyond)
    total = sum(beyond.values())
    print(f"{url} downloads {total:,} bytes beyond the theme: {sorted(beyond)}")
    assert total <= MAX_DOWNLOAD, f"{total:,} bytes beyond the theme: {beyond}"
    assert not problems, "\n".join(problems)


# The page where the reader draws a digit: the book's model, encoder and decoder, in the page.

@pytest.fixture
def drawing(page, server):
    """The tab, on the drawing page, once its files are loaded and it has drawn."""
    return opened(page, f"{server}/{DRAW_PAGE}", "aeDraw")


@pytest.fixture(scope="module")
def model(built_book) -> dict:
    """What the build wrote for the drawing page: its layers as numpy arrays, the sorted test errors, the parity."""
    header, array = exported(built_book, "draw/draw.json")
    layers = {half: [(array(layer["weight"]).reshape(layer["out"], layer["in"]), array(layer["bias"]),
                      layer["activation"]) for layer in header[half]] for half in ("encoder", "decoder")}
    return {"layers": layers, "errors": array(header["errors"]).astype(np.float64),
            "parity": json.loads((built_book / "_static" / "draw" / "draw_parity.json").read_text())}


def forward(layers, x: np.ndarray) -> np.ndarray:
    """What dense.js's `forward` computes, in numpy."""
    activations = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)), None: lambda v: v}
    for weight, bias, activation in layers:
        x = activations[activation](weight @ x + bias)
    return x


def test_the_drawing_page_reconstructs_what_torch_reconstructs(drawing, problems, model):
    parity = model["parity"]
    assert len(parity["pixels"]) == 3
    for pixels, expected, error in zip(parity["pixels"], parity["reconstructions"], parity["errors"]):
        result = drawing.evaluate("pixels => aeDraw.reconstruct(pixels)", [v / 255 for v in pixels])
        difference = np.abs(np.array(result["pixels"]) - np.array(expected)).max()
        assert difference <= PARITY_TOLERANCE, f"a pixel of a reconstruction is {difference} from torch's"
        assert result["error"] == pytest.approx(error, rel=1e-4)
    assert not problems, "\n".join(problems)


def test_a_box_of_ink_becomes_a_centred_20_pixel_box(drawing, problems):
    """MNIST's normalisation on a known drawing: a 100 × 50 rectangle in a corner of a 200 × 200 square becomes a
    20 × 10 block of full pixels whose centre of mass is the field's centre; an empty square, an empty image."""
    image = np.array(drawing.evaluate("""() => {
        const ink = new Float64Array(200 * 200);
        for (let y = 150; y < 200; y++) for (let x = 0; x < 100; x++) ink[y * 200 + x] = 1;
        return Array.from(aeDraw.mnistStyle(ink, 200));
    }""")).reshape(28, 28)
    expected = np.zeros((28, 28))
    expected[9:19, 4:24] = 1
    np.testing.assert_array_equal(image, expected)
    assert not any(drawing.evaluate("() => Array.from(aeDraw.mnistStyle(new Float64Array(100), 10))"))
    assert not problems, "\n".join(problems)


def test_a_stroke_drawn_with_the_mouse_is_reconstructed_and_placed_among_the_test_errors(drawing, problems, model,
                                                                                        artifacts):
    pad = drawing.query_selector(".ae-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    at = [(box["x"] + u * box["width"], box["y"] + v * box["height"]) for u, v in ((0.3, 0.2), (0.7, 0.2), (0.45, 0.8))]
    drawing.mouse.move(*at[0])
    drawing.mouse.down()
    drawing.mouse.move(*at[1], steps=8)
    drawing.mouse.move(*at[2], steps=8)
    drawing.mouse.up()  # a seven
    state = drawing.evaluate("({input: aeDraw.input, result: aeDraw.result})")
    image = np.array(state["input"]).reshape(28, 28)
    rows, cols = np.nonzero(image)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 == 20, "the drawing is not scaled to 20 pixels"
    mass = image.sum()
    middles = np.arange(28) + 0.5  # where each row's (and column's) pixels are
    centre = ((image.sum(1) * middles).sum() / mass, (image.sum(0) * middles).sum() / mass)
    assert np.abs(np.array(centre) - 14).max() <= 0.5, f"its centre of mass is at {centre}, not the field's"
    expected = forward(model["layers"]["decoder"], forward(model["layers"]["encoder"], image.reshape(-1)))
    assert np.abs(np.array(state["result"]["pixels"]) - expected).max() <= PARITY_TOLERANCE
    error = ((expected - image.reshape(-1)) ** 2).mean()
    assert state["result"]["error"] == pytest.approx(error, rel=1e-6)
    percentile = 100 * np.searchsorted(model["errors"], state["result"]["error"]) / len(model["errors"])
    assert state["result"]["percentile"] == pytest.approx(percentile)
    seen, made = shown(drawing, ".ae-seen")[0], shown(drawing, ".ae-made")[0]
    assert np.array_equal(seen, grey(image.reshape(-1)))
    assert np.array_equal(made, grey(np.array(state["result"]["pixels"])))
    assert f"percentile {state['result']['percentile']:.1f}" in drawing.inner_text(".ae-score")
    drawing.screenshot(path=str(artifacts / "draw.png"), full_page=True)
    drawing.click(".ae-button")  # Clear
    assert drawing.evaluate("aeDraw.result") is None and drawing.inner_text(".ae-score") == "Draw a digit in the square."
    assert not problems, "\n".join(problems)


# The median time of 100 runs of one half of the book's model on one image, in milliseconds.
HALF_TIMING = """half => {
  const times = [], layers = aeDraw.model[half], size = layers[0].in;
  for (let k = 0; k < 100; k++) {
    const input = Float64Array.from({length: size}, (_, i) => Math.abs(Math.sin(k + i)));
    const start = performance.now();
    aeDraw.forward(layers, input);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return (times[49] + times[50]) / 2;
}"""


def test_the_drawing_page_decodes_one_image_in_at_most_2_ms(drawing, problems):
    encode, decode = (drawing.evaluate(HALF_TIMING, half) for half in ("encoder", "decoder"))
    print(f"the book's model in the page, median of 100: encoding {encode:.3f} ms, decoding {decode:.3f} ms")
    assert decode <= MAX_DECODE_MS, f"decoding one image takes {decode} ms (median of 100), more than {MAX_DECODE_MS}"
    assert not problems, "\n".join(problems)


# The denoising page's denoiser, its weights rounded to bfloat16.

@pytest.fixture
def denoising(page, server):
    """The tab, on the denoising page, once the denoiser's files are loaded and it has drawn."""
    return opened(page, f"{server}/{DENOISE_PAGE}", "aeDenoise")


def test_the_denoiser_in_the_page_gives_what_torch_gives_with_the_same_weights(denoising, problems, built_book):
    parity = json.loads((built_book / "_static" / "denoise" / "denoise_parity.json").read_text())
    assert len(parity["noisy"]) == 3
    for noisy, expected in zip(parity["noisy"], parity["pixels"]):
        difference = np.abs(np.array(denoising.evaluate("x => aeDenoise.denoise(x)", noisy)) - expected).max()
        assert difference <= PARITY_TOLERANCE, f"a denoised pixel is {difference} from torch's"
    assert not problems, "\n".join(problems)


def test_the_slider_sets_the_noise_and_the_denoiser_follows(denoising, problems, artifacts):
    slider = denoising.query_selector(".ae-level")
    denoising.query_selector_all(".ae-thumb")[3].click()
    states = {}
    for level in (0, 20, 60):
        slider.fill(str(level))  # sets the value and sends the input event, as a reader's drag does
        states[level] = denoising.evaluate("({digit: aeDenoise.digit, level: aeDenoise.level, input: aeDenoise.input,"
                                           " output: aeDenoise.output, clean: Array.from(aeDenoise.digits[3])})")
        state = states[level]
        assert state["digit"] == 3 and state["level"] == pytest.approx(level / 100)
        clean, noisy = np.array(state["clean"]), np.array(state["input"])
        changed = np.mean(noisy != clean)
        assert changed <= level / 100 + 0.1, f"{changed:.0%} of the pixels changed at {level} %"
        assert np.array_equal(shown(denoising, ".ae-noisy")[0], grey(noisy))
        assert np.array_equal(shown(denoising, ".ae-denoised")[0], grey(np.array(state["output"])))
        assert np.allclose(state["output"], denoising.evaluate("x => aeDenoise.denoise(x)", state["input"]))
    assert states[0]["input"] == states[0]["clean"], "with no noise the input is the clean digit"
    kept = np.array(states[20]["input"]) != np.array(states[20]["clean"])
    assert np.array_equal(np.array(states[60]["input"])[kept], np.array(states[20]["input"])[kept]), \
        "a higher level does not keep the noise of a lower one"
    assert np.mean(np.array(states[60]["input"]) != np.array(states[60]["clean"])) > 0.3
    denoising.query_selector("#ae-denoise").screenshot(path=str(artifacts / "denoise.png"))
    assert not problems, "\n".join(problems)
