// The denoiser in the page of book/further/denoising.md: one of that page's denoisers, run in the reader's browser
// (book/_static/dense.js computes) on a test digit with as much salt-and-pepper noise as the slider says. Its
// weights and the digits come from ae/export.py (denoise.json and denoise.bin); nothing else is fetched and nothing
// runs on a server. window.aeDenoise gives the state to the browser test.
import { SIDE, element, forward, imageCanvas, load, unpackLayers } from "./dense.js";

// Salt and pepper as ae.noise.SaltAndPepper makes it: each pixel replaced with probability `level`, by white or
// by black with even odds. Two uniform numbers per pixel, drawn once: the pixel is replaced if its first is below
// the level, by white if its second is below 1/2. The same draws at every level, so a higher level keeps the noise
// of a lower one and adds some.
function saltAndPepper(pixels, draws, level) {
  return pixels.map((value, i) => (draws.replace[i] < level ? Number(draws.white[i] < 0.5) : value));
}

const meanSquare = (a, b) => a.reduce((total, value, i) => total + (value - b[i]) ** 2, 0) / a.length;

async function start(box) {
  const status = box.querySelector(".ae-status");
  const { header, buffer } = await load(new URL(box.dataset.files, document.baseURI));
  const layers = unpackLayers(header.layers, buffer);
  const bytes = new Uint8Array(buffer, header.pixels.offset, header.pixels.length);
  const digits = header.digits.map((_, k) =>
    Float64Array.from(bytes.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE), (v) => v / 255));
  status.remove();

  const controls = element("div", { className: "ae-controls" }, box);
  const label = element("label", { textContent: "share of the pixels replaced: " }, controls);
  const slider = element("input", { type: "range", min: 0, max: 60, value: 50, className: "ae-level" }, label);
  const shown = element("span", { className: "ae-level-value" }, label);
  const redraw = element("button", { textContent: "New noise", className: "ae-button" }, controls);
  const gallery = element("div", { className: "ae-gallery" }, box);
  const row = element("div", { className: "ae-plane-output" }, box);
  const panel = (title, className) => {
    const cell = element("div", {}, row);
    element("div", { className: "ae-readout", textContent: title }, cell);
    return imageCanvas(cell, `ae-digit ae-decoded ${className}`);
  };
  const [clean, noisy, denoised] = [panel("clean", "ae-clean"), panel("noisy", "ae-noisy"),
                                    panel("denoised, in the page", "ae-denoised")];
  const readout = element("p", { className: "ae-score" }, box);

  const state = { layers, digits, saltAndPepper, denoise: (pixels) => Array.from(forward(layers, pixels)) };
  const uniform = () => Float64Array.from({ length: SIDE * SIDE }, Math.random);
  const newDraws = () => (state.draws = { replace: uniform(), white: uniform() });
  const update = () => {
    const level = Number(slider.value) / 100;
    const image = digits[state.digit];
    const input = saltAndPepper(image, state.draws, level);
    const start = performance.now();
    const output = forward(layers, input);
    const took = performance.now() - start;
    clean.show(image), noisy.show(input), denoised.show(output);
    shown.textContent = `${slider.value} %`;
    readout.textContent = "Mean squared error against the clean digit: " +
      `noisy ${meanSquare(input, image).toFixed(4)}, denoised ${meanSquare(output, image).toFixed(4)}. ` +
      `Denoised in ${took.toFixed(1)} ms.`;
    Object.assign(state, { level, input: Array.from(input), output: Array.from(output) });
  };
  const thumbs = digits.map((pixels, k) => {
    const thumb = imageCanvas(gallery, "ae-digit ae-thumb");
    thumb.show(pixels);
    thumb.title = "a test digit: click to denoise it";
    thumb.addEventListener("click", () => {
      state.digit = k;
      thumbs.forEach((other, j) => other.classList.toggle("ae-from", j === k));
      update();
    });
    return thumb;
  });
  slider.addEventListener("input", update);
  redraw.addEventListener("click", () => (newDraws(), update()));
  newDraws();
  thumbs[0].click();
  window.aeDenoise = state;
}

const box = document.getElementById("ae-denoise");
if (box) {
  start(box).catch((error) => {
    box.querySelector(".ae-status").textContent = `The denoiser could not start: ${error}`;
    throw error;
  });
}
