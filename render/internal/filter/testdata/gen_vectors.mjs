// Generates fabric691_vectors.json: random small images run through Fabric
// 6.9.1's own 2D filter code (applyTo on a T2DPipelineState, neutral
// filters skipped as Image.applyFilters does). The read-back round trip is
// not part of these vectors: they exercise the filter arithmetic alone.
//
//   npm install fabric@6.9.1 --omit=optional --ignore-scripts
//   node gen_vectors.mjs > fabric691_vectors.json
import * as fabric from 'fabric';

let seed = 20240601;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const num = (lo, hi, dp = 3) => +(lo + rnd() * (hi - lo)).toFixed(dp);

const colors = ['#F95C63', '#fff', '#123', 'red', 'SteelBlue', 'transparent',
  'rgb(10, 200, 30)', 'rgba(255,0,0,0.5)', 'rgb(50%, 20%, 0%)', 'hsl(120, 50%, 50%)',
  'hsla(300deg 80% 30% / 0.4)', 'hsl(0.25turn, 100%, 25%)', '#80808080', 'bogus', ''];

const gens = {
  Grayscale: () => ({ mode: pick(['average', 'lightness', 'luminosity', 'bogus']) }),
  Sepia: () => ({ colorsOnly: rnd() < 0.5 }),
  Brownie: () => ({ colorsOnly: rnd() < 0.5 }),
  Vintage: () => ({ colorsOnly: rnd() < 0.5 }),
  Kodachrome: () => ({ colorsOnly: rnd() < 0.5 }),
  Technicolor: () => ({ colorsOnly: rnd() < 0.5 }),
  Polaroid: () => ({ colorsOnly: rnd() < 0.5 }),
  BlackWhite: () => ({ colorsOnly: rnd() < 0.5 }),
  ColorMatrix: () => ({
    colorsOnly: rnd() < 0.5,
    matrix: Array.from({ length: 20 }, () => (rnd() < 0.3 ? 0 : num(-1.5, 1.5, 4))),
  }),
  Brightness: () => ({ brightness: pick([num(-1, 1), 0.5, -0.5, 1 / 255]) }),
  Contrast: () => ({ contrast: pick([num(-1, 1), 1, 0.5]) }),
  Saturation: () => ({ saturation: num(-1, 1) }),
  Vibrance: () => ({ vibrance: num(-1, 1) }),
  Invert: () => ({ invert: true, alpha: rnd() < 0.5 }),
  HueRotation: () => ({ rotation: pick([num(-1, 1), 0.5, 1, -0.5, 2 / 3]) }),
  Gamma: () => ({ gamma: [num(0.2, 2.2, 2), pick([1, 0.5, 2, num(0.2, 2.2, 2)]), num(0.2, 2.2, 2)] }),
  Pixelate: () => ({ blocksize: pick([2, 3, 4, 7, 2.5, 1.5]) }),
  RemoveColor: () => ({ color: pick(colors), distance: num(0, 0.4) }),
  BlendColor: () => ({
    color: pick(colors),
    mode: pick(['multiply', 'screen', 'add', 'difference', 'subtract', 'darken', 'lighten',
      'overlay', 'exclusion', 'tint', 'bogus']),
    alpha: pick([1, num(0, 1)]),
  }),
  Blur: () => ({ blur: pick([num(0.05, 1), 0.5, 1, 0.9]) }),
  Convolute: () => {
    const n = pick([9, 9, 25, 8]);
    return { opaque: rnd() < 0.5, matrix: Array.from({ length: n }, () => num(-1, 1, 3)) };
  },
};

function makeFilter(type, params) {
  if (type === 'Composed') {
    return new fabric.filters.Composed({
      subFilters: params.subFilters.map((s) => makeFilter(s.type, { ...s, type: undefined })),
    });
  }
  const { type: _t, ...rest } = params;
  return new fabric.filters[type](rest);
}

const cases = [];
const types = Object.keys(gens);
for (let n = 0; n < 280; n++) {
  const big = n % 7 === 0;
  const w = big ? pick([10, 16, 21]) : pick([1, 2, 5, 7, 9]);
  const h = big ? pick([10, 14, 19]) : pick([1, 3, 4, 6]);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < data.length; i++) {
    data[i] = rnd() < 0.1 ? pick([0, 255, 128, 127]) : Math.floor(rnd() * 256);
  }
  const input = Uint8ClampedArray.from(data);
  const list = [];
  const count = rnd() < 0.8 ? 1 : 2;
  for (let k = 0; k < count; k++) {
    const type = n < types.length ? types[n] : big ? pick(['Blur', 'Blur', 'Pixelate', 'Convolute']) : pick([...types, 'Composed']);
    if (type === 'Composed') {
      const a = pick(types), b = pick(types);
      list.push({ type, subFilters: [{ type: a, ...gens[a]() }, { type: b, ...gens[b]() }] });
    } else {
      list.push({ type, ...gens[type]() });
    }
  }
  const state = {
    imageData: { data, width: w, height: h },
    sourceWidth: w,
    sourceHeight: h,
    ctx: { createImageData: (cw, ch) => ({ data: new Uint8ClampedArray(cw * ch * 4), width: cw, height: ch }) },
  };
  for (const p of list) {
    const f = makeFilter(p.type, p);
    if (!f.isNeutralState()) f.applyTo(state);
  }
  cases.push({
    filters: list, w, h,
    in: Buffer.from(input).toString('base64'),
    out: Buffer.from(state.imageData.data).toString('base64'),
  });
}
process.stdout.write(JSON.stringify({ fabric: fabric.version, cases }, null, 0) + '\n');
