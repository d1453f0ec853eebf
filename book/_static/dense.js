// What both in-page models of the book share (book/_static/explorer.js and book/_static/draw.js): the network's
// computation over weights exported by ae/export.py, and the small pieces of page that show its images.
export const SIDE = 28;  // MNIST's images: 28 × 28 pixels
const ACTIVATIONS = {
  relu: (v) => (v > 0 ? v : 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  clip: (v) => Math.min(1, Math.max(0, v)),
};

// forward: the whole computation. Each layer is y = activation(W x + b), W stored row by row (out × in) as torch
// stores a Linear layer's weight; the sums are taken in double precision.
export function forward(layers, input) {
  let x = Float64Array.from(input);
  for (const layer of layers) {
    const y = new Float64Array(layer.out);
    const activation = ACTIVATIONS[layer.activation] ?? ((v) => v);
    for (let o = 0; o < layer.out; o++) {
      let sum = layer.bias[o];
      for (let i = 0, row = o * layer.in; i < layer.in; i++) sum += layer.weight[row + i] * x[i];
      y[o] = activation(sum);
    }
    x = y;
  }
  return x;
}
// end of forward

// The header (JSON) of an export and its binary file, whose name the header gives beside it.
export async function load(url) {
  const header = await (await fetch(url)).json();
  const buffer = await (await fetch(new URL(header.bin, url))).arrayBuffer();
  return { header, buffer };
}

// The numbers at `part` ({offset, length}) of the binary file: float32, or bfloat16 where `part.dtype` says so
// (the upper 16 bits of a float32, which they become again).
export function floats(buffer, part) {
  if (part.dtype !== "bfloat16") return new Float32Array(buffer, part.offset, part.length);
  const bits = new Uint16Array(buffer, part.offset, part.length);
  return new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer);
}

// The layers of an export with their weights and biases as views over the binary file.
export const unpackLayers = (layers, buffer) =>
  layers.map((layer) => ({ ...layer, weight: floats(buffer, layer.weight), bias: floats(buffer, layer.bias) }));

export function element(tag, attributes = {}, parent = null) {
  const node = Object.assign(document.createElement(tag), attributes);
  if (parent) parent.append(node);
  return node;
}

// A 28 × 28 canvas (shown larger, pixels kept square) and a function that draws pixels in [0, 1] into it.
export function imageCanvas(parent, className) {
  const canvas = element("canvas", { width: SIDE, height: SIDE, className }, parent);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  canvas.show = (pixels) => {
    const image = context.createImageData(SIDE, SIDE);
    pixels.forEach((value, i) => {
      const grey = Math.round(255 * Math.min(1, Math.max(0, value)));
      image.data.set([grey, grey, grey, 255], 4 * i);
    });
    context.putImageData(image, 0, 0);
  };
  return canvas;
}
