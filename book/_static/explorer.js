// The latent explorer of book/further/explorer.md: the course's 2-d decoders, run in the reader's browser
// (book/_static/dense.js computes). Their weights come from ae/export.py (explorer.json and explorer.bin, beside
// this page's static files); nothing else is fetched and nothing runs on a server. window.aeExplorer gives the
// state to the browser test. A module: its names stay in it.
import { SIDE, element, floats, forward, imageCanvas, load, unpackLayers } from "./dense.js";

const STEPS = 9;  // images along an interpolation, both ends included
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];  // matplotlib's tab10, one per digit
const decode = forward;  // a decoder's layers turn a code into pixels

// Round tick values, about `count` of them, between lo and hi.
function ticks(lo, hi, count = 5) {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const values = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) values.push(Number(v.toFixed(10)));
  return values;
}

// One model's code space: the scatter of the test codes, a point to drag, the image it decodes to.
class Plane {
  constructor(model, labels, parent, onMove) {
    this.model = model;
    this.labels = labels;
    const box = element("div", { className: "ae-plane" }, parent);
    element("div", { className: "ae-plane-title", textContent: model.title }, box);
    this.canvas = element("canvas", { className: "ae-scatter" }, box);
    const below = element("div", { className: "ae-plane-output" }, box);
    this.image = imageCanvas(below, "ae-digit ae-decoded");
    this.readout = element("div", { className: "ae-readout" }, below);
    const xs = [], ys = [];
    for (let i = 0; i < labels.length; i++) xs.push(model.codes[2 * i]), ys.push(model.codes[2 * i + 1]);
    const pad = (lo, hi) => [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
    this.xRange = pad(Math.min(...xs), Math.max(...xs));
    this.yRange = pad(Math.min(...ys), Math.max(...ys));
    this.path = [];
    this.canvas.addEventListener("pointerdown", (event) => {
      this.canvas.setPointerCapture(event.pointerId);
      onMove(this, this.codeAt(event));
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (this.canvas.hasPointerCapture(event.pointerId)) onMove(this, this.codeAt(event));
    });
  }

  // The code under a pointer event, and the canvas position of a code (in CSS pixels).
  codeAt(event) {
    const r = this.canvas.getBoundingClientRect();
    const [x0, x1] = this.xRange, [y0, y1] = this.yRange;
    const u = (event.clientX - r.left) / r.width, v = (event.clientY - r.top) / r.height;
    return [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
  }

  position(code) {
    const [x0, x1] = this.xRange, [y0, y1] = this.yRange;
    return [((code[0] - x0) / (x1 - x0)) * this.width, ((y1 - code[1]) / (y1 - y0)) * this.height];
  }

  // Decode `code`, show it, and redraw the scatter with the point and the interpolation's path.
  moveTo(code) {
    this.point = code;
    const start = performance.now();
    const pixels = decode(this.model.layers, code);
    const took = performance.now() - start;
    this.image.show(pixels);
    this.readout.textContent = `z = (${code[0].toFixed(2)}, ${code[1].toFixed(2)}), decoded in ${took.toFixed(1)} ms`;
    this.draw();
  }

  draw() {
    const ratio = window.devicePixelRatio || 1;
    this.width = this.canvas.clientWidth;
    this.height = this.canvas.clientHeight;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    const c = this.canvas.getContext("2d");
    c.setTransform(ratio, 0, 0, ratio, 0, 0);
    c.fillStyle = "#fff";
    c.fillRect(0, 0, this.width, this.height);
    c.font = "10px sans-serif";
    c.fillStyle = "#666";
    c.strokeStyle = "#e4e4e4";
    for (const x of ticks(...this.xRange)) {
      const [px] = this.position([x, 0]);
      c.beginPath(), c.moveTo(px, 0), c.lineTo(px, this.height), c.stroke();
      c.fillText(String(x), px + 2, this.height - 3);
    }
    for (const y of ticks(...this.yRange)) {
      const [, py] = this.position([0, y]);
      c.beginPath(), c.moveTo(0, py), c.lineTo(this.width, py), c.stroke();
      c.fillText(String(y), 2, py - 2);
    }
    for (let i = 0; i < this.labels.length; i++) {
      const [px, py] = this.position([this.model.codes[2 * i], this.model.codes[2 * i + 1]]);
      c.fillStyle = COLOURS[this.labels[i]];
      c.fillRect(px - 1.5, py - 1.5, 3, 3);
    }
    if (this.path.length) {
      c.strokeStyle = "#000";
      c.lineWidth = 1.5;
      c.beginPath();
      this.path.forEach((code, i) => (i ? c.lineTo : c.moveTo).call(c, ...this.position(code)));
      c.stroke();
      c.lineWidth = 1;
    }
    const [px, py] = this.position(this.point);
    c.beginPath();
    c.arc(px, py, 6, 0, 2 * Math.PI);
    c.fillStyle = "rgba(0, 0, 0, 0.25)";
    c.fill();
    c.strokeStyle = "#000";
    c.stroke();
  }
}

// The views of the explorer's files: each model's codes and layers as typed arrays over the one binary file.
function unpack(header, buffer) {
  const models = header.models.map((model) => ({
    ...model,
    codes: floats(buffer, model.codes),
    layers: unpackLayers(model.layers, buffer),
  }));
  const pixels = new Uint8Array(buffer, header.pixels.offset, header.pixels.length);
  const digits = header.digits.map((point, k) => ({
    point,
    label: header.labels[point],
    pixels: Float64Array.from(pixels.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE), (v) => v / 255),
  }));
  return { models, digits, labels: header.labels };
}

async function start(planesBox, pathBox) {
  const status = planesBox.querySelector(".ae-status");
  const { header, buffer } = await load(new URL(planesBox.dataset.files, document.baseURI));
  const { models, digits, labels } = unpack(header, buffer);
  status.remove();

  const legend = element("div", { className: "ae-legend" }, planesBox);
  COLOURS.forEach((colour, digit) => {
    const key = element("span", { textContent: String(digit) }, legend);
    key.style.setProperty("--colour", colour);
  });
  const row = element("div", { className: "ae-planes" }, planesBox);
  const planes = models.map((model) => new Plane(model, labels, row, (plane, code) => plane.moveTo(code)));
  const codeOf = (plane, digit) => [plane.model.codes[2 * digit.point], plane.model.codes[2 * digit.point + 1]];

  // The interpolation: pick the two ends among the digits, see the path in each code space and in pixels.
  const gallery = element("div", { className: "ae-gallery" }, pathBox);
  const rows = element("div", { className: "ae-paths" }, pathBox);
  const strip = (title) => {
    element("div", { className: "ae-path-title", textContent: title }, rows);
    const cells = element("div", { className: "ae-path" }, rows);
    return Array.from({ length: STEPS }, () => imageCanvas(cells, "ae-digit ae-step"));
  };
  const strips = planes.map((plane) => strip(`${plane.model.title}: along the line between the two codes`));
  const pixelStrip = strip("pixel space: the two images mixed, pixel by pixel");
  const explorer = { models, digits, planes, decode: (m, code) => Array.from(decode(models[m].layers, code)) };
  const pick = (end, index) => {
    explorer[end] = index;
    thumbs.forEach((thumb, k) => {
      thumb.classList.toggle("ae-from", k === explorer.from);
      thumb.classList.toggle("ae-to", k === explorer.to);
    });
    const [a, b] = [digits[explorer.from], digits[explorer.to]];
    const ts = Array.from({ length: STEPS }, (_, s) => s / (STEPS - 1));
    const mix = (u, v, t) => Array.from(u, (value, i) => (1 - t) * value + t * v[i]);
    explorer.paths = planes.map((plane, m) => {
      const codes = ts.map((t) => mix(codeOf(plane, a), codeOf(plane, b), t));
      codes.forEach((code, s) => strips[m][s].show(decode(plane.model.layers, code)));
      plane.path = codes;
      plane.draw();
      return codes;
    });
    explorer.mixed = ts.map((t) => mix(a.pixels, b.pixels, t));
    explorer.mixed.forEach((pixels, s) => pixelStrip[s].show(pixels));
  };
  let next = "from";
  const thumbs = digits.map((digit, k) => {
    const thumb = imageCanvas(gallery, "ae-digit ae-thumb");
    thumb.show(digit.pixels);
    thumb.title = `a test image of a ${digit.label}: click to make it an end of the path`;
    thumb.addEventListener("click", () => {
      pick(next, k);
      next = next === "from" ? "to" : "from";
    });
    return thumb;
  });
  planes.forEach((plane) => plane.moveTo(codeOf(plane, digits[0])));
  explorer.from = 0;
  pick("to", digits.findIndex((digit) => digit.label === 1));
  window.addEventListener("resize", () => planes.forEach((plane) => plane.draw()));
  window.aeExplorer = explorer;
}

const planesBox = document.getElementById("ae-explorer-planes");
const pathBox = document.getElementById("ae-explorer-paths");
if (planesBox && pathBox) {
  start(planesBox, pathBox).catch((error) => {
    planesBox.querySelector(".ae-status").textContent = `The explorer could not start: ${error}`;
    throw error;
  });
}
