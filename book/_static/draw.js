// "Draw a digit" (book/further/draw.md): the book's model encodes and reconstructs what the reader draws, in the
// page (book/_static/dense.js computes), and the error is placed among the test images' errors. The weights and
// the errors come from ae/export.py (draw.json and draw.bin); nothing else is fetched and nothing runs on a
// server. window.aeDraw gives the state to the browser test.
import { SIDE, element, floats, forward, imageCanvas, load, unpackLayers } from "./dense.js";

const PAD = 280;  // the drawing square, in its own pixels: 10 for each of MNIST's
const PEN = 22;  // the pen's width on it: about 2 of MNIST's pixels once a digit of the pad's height is scaled
const BOX = 20;  // MNIST's digits fit a 20 × 20 box inside their 28 × 28 field
const BINS = 40;  // bars of the histogram, of equal width on a logarithmic scale

// mnistStyle: the drawing (`ink`, size × size values in [0, 1]) made into a 28 × 28 image as MNIST's digits were
// made from NIST's scans: the box around the ink is scaled so that its larger side is 20 pixels, keeping its
// shape, each new pixel the mean of the drawing's pixels it covers (grey edges, as anti-aliasing gives); then it
// is placed in the 28 × 28 field so that its centre of mass (the mean position weighted by the ink) falls on
// the centre of the field, rounded to a whole pixel.
function mnistStyle(ink, size) {
  let [top, bottom, left, right] = [size, -1, size, -1];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (ink[y * size + x] > 0) {
        [top, bottom, left, right] = [Math.min(top, y), y, Math.min(left, x), Math.max(right, x)];
      }
    }
  }
  const image = new Float64Array(SIDE * SIDE);
  if (bottom < 0) return image;  // nothing drawn
  const scale = BOX / Math.max(bottom - top + 1, right - left + 1);
  const w = Math.max(1, Math.round((right - left + 1) * scale));
  const h = Math.max(1, Math.round((bottom - top + 1) * scale));
  const sum = new Float64Array(w * h), count = new Float64Array(w * h);
  for (let y = top; y <= bottom; y++) {
    for (let x = left; x <= right; x++) {
      const j = Math.min(h - 1, Math.floor((y - top) * scale)) * w + Math.min(w - 1, Math.floor((x - left) * scale));
      sum[j] += ink[y * size + x];
      count[j] += 1;
    }
  }
  let [mass, mx, my] = [0, 0, 0];
  for (let j = 0; j < w * h; j++) {
    sum[j] /= count[j];
    [mass, mx, my] = [mass + sum[j], mx + sum[j] * ((j % w) + 0.5), my + sum[j] * (Math.floor(j / w) + 0.5)];
  }
  const dx = Math.round(SIDE / 2 - mx / mass), dy = Math.round(SIDE / 2 - my / mass);
  for (let j = 0; j < w * h; j++) {
    const x = (j % w) + dx, y = Math.floor(j / w) + dy;
    if (x >= 0 && x < SIDE && y >= 0 && y < SIDE) image[y * SIDE + x] = sum[j];
  }
  return image;
}
// end of mnistStyle

// How many of the sorted `values` are below `value`.
function below(values, value) {
  let [lo, hi] = [0, values.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The histogram of the test images' errors on a logarithmic scale, with a line at the drawing's error.
function drawHistogram(canvas, errors, error) {
  const ratio = window.devicePixelRatio || 1;
  const [width, height] = [canvas.clientWidth, canvas.clientHeight];
  [canvas.width, canvas.height] = [Math.round(width * ratio), Math.round(height * ratio)];
  const c = canvas.getContext("2d");
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.fillStyle = "#fff";
  c.fillRect(0, 0, width, height);
  const lo = Math.log10(errors[0]), hi = Math.log10(Math.max(errors[errors.length - 1], error ?? 0)) + 0.02;
  const counts = new Array(BINS).fill(0);
  for (const e of errors) counts[Math.min(BINS - 1, Math.floor(((Math.log10(e) - lo) / (hi - lo)) * BINS))] += 1;
  const [left, bottom, top] = [6, height - 18, 8];
  const x = (e) => left + ((Math.log10(e) - lo) / (hi - lo)) * (width - 2 * left);
  const barWidth = (width - 2 * left) / BINS, tallest = Math.max(...counts);
  c.fillStyle = "#7f9fbf";
  counts.forEach((n, k) => {
    const bar = (n / tallest) * (bottom - top);
    c.fillRect(left + k * barWidth, bottom - bar, barWidth - 1, bar);
  });
  c.fillStyle = "#444";
  c.font = "11px sans-serif";
  c.textAlign = "center";
  for (let power = Math.floor(lo); power <= hi; power++) {
    for (const m of [1, 2, 5]) {
      const e = m * 10 ** power;
      if (Math.log10(e) >= lo && Math.log10(e) <= hi) c.fillText(String(Number(e.toPrecision(1))), x(e), height - 4);
    }
  }
  if (error !== undefined) {
    c.strokeStyle = "#d62728";
    c.lineWidth = 2;
    c.beginPath(), c.moveTo(x(error), top - 6), c.lineTo(x(error), bottom), c.stroke();
  }
}

async function start(box) {
  const status = box.querySelector(".ae-status");
  const { header, buffer } = await load(new URL(box.dataset.files, document.baseURI));
  const model = { encoder: unpackLayers(header.encoder, buffer), decoder: unpackLayers(header.decoder, buffer) };
  const errors = floats(buffer, header.errors);
  status.remove();

  const row = element("div", { className: "ae-draw" }, box);
  const padBox = element("div", {}, row);
  element("div", { className: "ae-plane-title", textContent: "Draw here" }, padBox);
  const pad = element("canvas", { width: PAD, height: PAD, className: "ae-pad" }, padBox);
  const clear = element("button", { textContent: "Clear", className: "ae-button" }, padBox);
  const results = element("div", { className: "ae-draw-results" }, row);
  const images = element("div", { className: "ae-plane-output" }, results);
  const seenBox = element("div", {}, images), madeBox = element("div", {}, images);
  element("div", { className: "ae-readout", textContent: "what the model sees (28 × 28)" }, seenBox);
  const seen = imageCanvas(seenBox, "ae-digit ae-decoded ae-seen");
  element("div", { className: "ae-readout", textContent: "its reconstruction" }, madeBox);
  const made = imageCanvas(madeBox, "ae-digit ae-decoded ae-made");
  const readout = element("p", { className: "ae-score", textContent: "Draw a digit in the square." }, results);
  const histogram = element("canvas", { className: "ae-histogram" }, results);
  const caption = `squared error per pixel of the ${errors.length.toLocaleString("en")} test images' ` +
    "reconstructions (logarithmic scale); the red line: your drawing's";
  element("div", { className: "ae-readout", textContent: caption }, results);

  const context = pad.getContext("2d", { willReadFrequently: true });
  Object.assign(context, { lineWidth: PEN, lineCap: "round", strokeStyle: "#fff", fillStyle: "#fff" });
  const drawState = {
    model,
    errors,
    forward,
    mnistStyle,
    // The code, the reconstruction, its squared error per pixel, and the share of test images with a smaller one.
    reconstruct: (pixels) => {
      const code = forward(model.encoder, pixels);
      const output = forward(model.decoder, code);
      const error = output.reduce((total, value, i) => total + (value - pixels[i]) ** 2, 0) / output.length;
      const percentile = (100 * below(errors, error)) / errors.length;
      return { code: Array.from(code), pixels: Array.from(output), error, percentile };
    },
  };
  const update = () => {
    const data = context.getImageData(0, 0, PAD, PAD).data;
    const ink = Float64Array.from({ length: PAD * PAD }, (_, i) => data[4 * i] / 255);
    const input = mnistStyle(ink, PAD);
    seen.show(input);
    if (!input.some((v) => v > 0)) {
      made.show(input);
      readout.textContent = "Draw a digit in the square.";
      drawHistogram(histogram, errors);
      drawState.result = undefined;
      return;
    }
    const start = performance.now();
    const result = drawState.reconstruct(input);
    const took = performance.now() - start;
    made.show(result.pixels);
    readout.textContent = `Squared error per pixel: ${result.error.toFixed(4)}, more than that of ` +
      `${result.percentile.toFixed(1)} % of the test images (percentile ${result.percentile.toFixed(1)}). ` +
      `Encoded and decoded in ${took.toFixed(1)} ms.`;
    drawHistogram(histogram, errors, result.error);
    Object.assign(drawState, { input: Array.from(input), result });
  };
  const at = (event) => {
    const r = pad.getBoundingClientRect();
    return [((event.clientX - r.left) * PAD) / r.width, ((event.clientY - r.top) * PAD) / r.height];
  };
  let pending = false;
  const soon = () => {
    if (!pending) pending = requestAnimationFrame(() => ((pending = false), update()));
  };
  let last;  // where the pen was at the previous event of a stroke
  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    last = at(event);
    context.beginPath();
    context.arc(...last, PEN / 2, 0, 2 * Math.PI);
    context.fill();
    soon();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!pad.hasPointerCapture(event.pointerId)) return;
    const next = at(event);
    context.beginPath();
    context.moveTo(...last);
    context.lineTo(...next);
    context.stroke();
    last = next;
    soon();
  });
  pad.addEventListener("pointerup", () => update());
  clear.addEventListener("click", () => {
    context.fillStyle = "#000";
    context.fillRect(0, 0, PAD, PAD);
    context.fillStyle = "#fff";
    update();
  });
  context.fillStyle = "#000";
  context.fillRect(0, 0, PAD, PAD);
  context.fillStyle = "#fff";
  update();
  window.addEventListener("resize", () => drawHistogram(histogram, errors, drawState.result?.error));
  window.aeDraw = drawState;
}

const box = document.getElementById("ae-draw");
if (box) {
  start(box).catch((error) => {
    box.querySelector(".ae-status").textContent = `The drawing page could not start: ${error}`;
    throw error;
  });
}
