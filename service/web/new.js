// The new batch page: a stored template or an uploaded Fabric JSON (with
// its canvas size), optional object bindings (a mapping file, or chosen
// here), a CSV read in the browser (header and number of recipients), the
// column mapping from the template's fields (POST /proofs answers them)
// against the CSV header, proofs of the first 3 pieces, the output options,
// and the submit: below BATCH_THRESHOLD recipients the pieces are rendered
// at once (POST /render) and downloaded, at or above it a job is created
// (POST /jobs) and the page goes to the job.

import {describe, filenameOf, getConfig, imageURL, json, post, request, saveBlob} from './api.js';
import {matchColumn, scanCSV} from './csv.js';
import {announce, debounce, fill, fmtBytes, fmtNumber, h, newId, plural} from './dom.js';

const PROOF_ROWS = 3;
const TEXT_TYPES = new Set(['text', 'i-text', 'itext', 'textbox']);
const KIND_LABELS = {'': 'As designed', text: 'Text', image: 'Image', qr: 'QR code', barcode: 'Barcode'};

// The form's state survives a visit to a job and back (files included).
let saved = null;

export async function newView(main, ctx = {}) {
  const st = saved || {
    source: 'upload',
    templates: null,
    templateId: '',
    templateName: '',
    templateText: '',
    templateFile: '',
    templateFileObj: null,
    mappingFileObj: null,
    sourceChosen: false,
    saveName: '',
    width: '',
    height: '',
    objects: [],
    bindings: {}, // object key -> {kind, value, extra}
    rawMapping: {}, // mapping entries the bindings table does not show
    mappingFile: '',
    csvFile: null,
    csvName: '',
    csvHeader: [],
    csvRows: 0,
    csvHead: '',
    fields: [],
    fieldsFromServer: false,
    overrides: {}, // field -> column (or "" for none)
    proofs: [],
    proofError: '',
    format: 'png',
    scale: '1',
    merge: false,
    bleed: '0',
    cropMarks: false,
    name: '',
    notifyEmail: '',
  };
  saved = st;
  let disposed = false;
  let proofSeq = 0;
  const cfg = getConfig();

  // ---- elements -------------------------------------------------------
  const errors = h('div', {id: 'form-errors', class: 'flash flash-error', tabindex: '-1', role: 'alert', hidden: true});

  const srcStored = h('input', {type: 'radio', name: 'source', id: 'source-stored', value: 'stored', checked: st.source === 'stored'});
  const srcUpload = h('input', {type: 'radio', name: 'source', id: 'source-upload', value: 'upload', checked: st.source === 'upload'});
  const storedBox = h('div', {id: 'stored-box'});
  const tplFile = h('input', {type: 'file', id: 'template-file', accept: '.json,application/json', 'aria-describedby': 'template-file-help'});
  const tplInfo = h('p', {class: 'muted small', id: 'template-info', 'aria-live': 'polite'});
  const width = h('input', {type: 'number', id: 'width', min: '1', max: '100000', step: 'any', inputmode: 'decimal', value: st.width, required: true, 'aria-describedby': 'size-help'});
  const height = h('input', {type: 'number', id: 'height', min: '1', max: '100000', step: 'any', inputmode: 'decimal', value: st.height, required: true, 'aria-describedby': 'size-help'});
  const saveTplName = h('input', {type: 'text', id: 'save-template-name', autocomplete: 'off', value: st.saveName});
  saveTplName.addEventListener('input', () => { st.saveName = saveTplName.value; });
  const saveTplBtn = h('button', {type: 'button', class: 'btn', id: 'save-template'}, 'Save as stored template');
  const uploadBox = h('div', {id: 'upload-box', class: 'stack'},
    h('div', {class: 'field'},
      h('label', {for: 'template-file'}, 'Fabric JSON file'),
      tplFile,
      h('p', {class: 'hint', id: 'template-file-help'}, 'What the editor saved with canvas.toJSON().'),
      tplInfo),
    h('fieldset', {class: 'inline-fields'},
      h('legend', {}, 'Canvas size'),
      h('div', {class: 'field'}, h('label', {for: 'width'}, 'Width (px)'), width),
      h('div', {class: 'field'}, h('label', {for: 'height'}, 'Height (px)'), height),
      h('p', {class: 'hint', id: 'size-help'}, 'The editor canvas in px, 96 px to the inch: a 9 × 6 in postcard is 864 × 576.')),
    h('div', {class: 'inline-fields save-row'},
      h('div', {class: 'field field-grow'}, h('label', {for: 'save-template-name'}, 'Template name (to keep it)'), saveTplName),
      h('div', {class: 'field field-end'}, saveTplBtn)));

  const mappingFile = h('input', {type: 'file', id: 'mapping-file', accept: '.json,application/json', 'aria-describedby': 'mapping-help'});
  const mappingInfo = h('p', {class: 'muted small', id: 'mapping-info', 'aria-live': 'polite'});
  const bindingsBox = h('div', {id: 'bindings-box'});
  const bindingsDetails = h('details', {class: 'bindings-objects', id: 'bindings'},
    h('summary', {}, 'Named objects ', h('span', {class: 'muted', id: 'bindings-count'})),
    bindingsBox);
  const bindingsSection = h('div', {class: 'bindings'},
    h('h3', {}, 'Object bindings (optional)'),
    h('p', {class: 'hint', id: 'mapping-help'}, 'Text placeholders like {{first_name}} need nothing here. To fill a named object per recipient (a QR code of ',
      h('code', {}, 'https://example.com/r/{{id}}'), ', an image from a column, new text), load a mapping file or choose under Named objects.'),
    h('div', {class: 'field'}, h('label', {for: 'mapping-file'}, 'Mapping file (JSON)'), mappingFile, mappingInfo),
    bindingsDetails);

  const csvFile = h('input', {type: 'file', id: 'csv-file', accept: '.csv,text/csv,text/plain', required: true, 'aria-describedby': 'csv-help csv-summary'});
  const csvSummary = h('p', {id: 'csv-summary', class: 'muted', 'aria-live': 'polite'});

  const mappingBox = h('div', {id: 'mapping-box'});
  const proofsBox = h('div', {id: 'proofs', class: 'proofs', 'aria-live': 'polite'});

  const fmtRadios = ['png', 'jpeg', 'pdf'].map((f) => h('label', {class: 'choice', for: `format-${f}`},
    h('input', {type: 'radio', name: 'format', id: `format-${f}`, value: f, checked: st.format === f}), ' ', f.toUpperCase()));
  const scale = h('input', {type: 'number', id: 'scale', min: '0.05', max: '50', step: '0.05', inputmode: 'decimal', value: st.scale, 'aria-describedby': 'scale-help'});
  const scaleHelp = h('p', {class: 'hint', id: 'scale-help'});
  const merge = h('input', {type: 'checkbox', id: 'merge', checked: st.merge});
  const bleed = h('input', {type: 'number', id: 'bleed', min: '0', max: '10', step: '0.0625', inputmode: 'decimal', value: st.bleed, 'aria-describedby': 'bleed-help'});
  const crop = h('input', {type: 'checkbox', id: 'crop-marks', checked: st.cropMarks});
  const pdfSet = h('fieldset', {class: 'pdf-options', id: 'pdf-options', hidden: st.format !== 'pdf'},
    h('legend', {}, 'PDF options'),
    h('label', {class: 'choice', for: 'merge'}, merge, ' Also merge all pieces into PDFs for the print shop'),
    h('div', {class: 'field'}, h('label', {for: 'bleed'}, 'Bleed (inches)'), bleed,
      h('p', {class: 'hint', id: 'bleed-help'}, 'Extra artwork beyond the trim, e.g. 0.125.')),
    h('label', {class: 'choice', for: 'crop-marks'}, crop, ' Crop marks'));
  const jobName = h('input', {type: 'text', id: 'job-name', autocomplete: 'off', value: st.name, maxlength: '200'});
  const email = h('input', {type: 'email', id: 'notify-email', autocomplete: 'email', value: st.notifyEmail, 'aria-describedby': 'email-help'});

  const summary = h('p', {id: 'submit-summary', 'aria-live': 'polite'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-large', id: 'submit'}, 'Start');
  const result = h('div', {id: 'result', class: 'notice', tabindex: '-1', hidden: true});

  const step = (n, id, title, ...body) => h('section', {class: 'card step', 'aria-labelledby': id},
    h('h2', {id}, h('span', {class: 'step-no', 'aria-hidden': 'true'}, n), title), ...body);

  const form = h('form', {id: 'batch-form', novalidate: true},
    errors,
    step('1', 'h-template', 'Template',
      h('fieldset', {class: 'segmented'},
        h('legend', {class: 'visually-hidden'}, 'Template source'),
        h('label', {for: 'source-stored', class: 'seg'}, srcStored, ' Stored template'),
        h('label', {for: 'source-upload', class: 'seg'}, srcUpload, ' Upload Fabric JSON')),
      storedBox, uploadBox, bindingsSection),
    step('2', 'h-csv', 'Recipients',
      h('div', {class: 'field'}, h('label', {for: 'csv-file'}, 'CSV file'), csvFile,
        h('p', {class: 'hint', id: 'csv-help'}, 'A header row, then one row per recipient. Comma, semicolon or tab separated.')),
      csvSummary),
    step('3', 'h-mapping', 'Column mapping', mappingBox),
    step('4', 'h-proofs', `Proofs of the first ${PROOF_ROWS} pieces`, proofsBox),
    step('5', 'h-options', 'Output',
      h('fieldset', {class: 'inline-choices'}, h('legend', {}, 'Format'), fmtRadios,
        h('p', {class: 'hint format-hint'}, 'PDF adds print options: merged PDFs, bleed and crop marks.')),
      h('div', {class: 'field'}, h('label', {for: 'scale'}, 'Scale'), scale, scaleHelp),
      pdfSet,
      h('div', {class: 'grid-2'},
        h('div', {class: 'field'}, h('label', {for: 'job-name'}, 'Name'), jobName),
        h('div', {class: 'field'}, h('label', {for: 'notify-email'}, 'Email me when it is done (optional)'), email,
          h('p', {class: 'hint', id: 'email-help'}, 'For jobs; small batches download at once.')))),
    h('section', {class: 'card step submit-step', 'aria-labelledby': 'h-submit'},
      h('h2', {id: 'h-submit', class: 'visually-hidden'}, 'Submit'),
      summary, h('div', {class: 'actions'}, submit), result));

  const startOver = h('button', {type: 'button', class: 'btn btn-quiet', id: 'start-over'}, 'Start over');
  startOver.addEventListener('click', () => {
    saved = null;
    if (ctx.rerender) ctx.rerender();
  });
  fill(main,
    h('div', {class: 'page-head'}, h('h1', {}, 'New batch'), startOver),
    h('p', {class: 'lead'}, `Batches of fewer than ${fmtNumber(cfg.threshold)} recipients are rendered at once and downloaded; larger ones become a job you can follow.`),
    form);

  // ---- template -------------------------------------------------------
  function templateReady() {
    if (st.source === 'stored') return !!st.templateId;
    return !!st.templateText && Number(st.width) > 0 && Number(st.height) > 0;
  }

  function showSource() {
    storedBox.hidden = st.source !== 'stored';
    uploadBox.hidden = st.source !== 'upload';
  }

  async function loadTemplates() {
    fill(storedBox, h('p', {class: 'muted'}, 'Loading stored templates…'));
    try {
      const r = await json('/templates');
      st.templates = r.templates || [];
    } catch (e) {
      st.templates = [];
      fill(storedBox, h('p', {class: 'flash flash-error'}, `Stored templates could not be loaded: ${describe(e)}`));
      return;
    }
    renderStored();
  }

  function renderStored() {
    if (disposed) return;
    if (!st.templates.length) {
      fill(storedBox, h('p', {class: 'muted'}, 'No stored templates yet. Upload a Fabric JSON, then save it to reuse it.'));
      return;
    }
    const group = h('div', {class: 'templates', role: 'radiogroup', 'aria-label': 'Stored templates', id: 'stored-templates'});
    for (const t of st.templates) {
      const id = `tpl-${t.id}`;
      const img = h('img', {alt: '', width: 160, height: Math.round((160 * t.height) / t.width) || 107, loading: 'lazy'});
      imageURL(t.links.thumbnail).then((u) => { img.src = u; }).catch(() => img.remove());
      const input = h('input', {type: 'radio', name: 'template_id', id, value: t.id, checked: st.templateId === t.id, class: 'visually-hidden-input'});
      input.addEventListener('change', () => chooseStored(t));
      group.append(h('label', {class: 'template-card', for: id}, input, img,
        h('span', {class: 'template-name'}, t.name),
        h('span', {class: 'muted small'}, `${fmtNumber(t.width)} × ${fmtNumber(t.height)} px`)));
    }
    fill(storedBox, group);
  }

  async function chooseStored(t) {
    st.templateId = t.id;
    st.templateName = t.name;
    st.width = String(t.width);
    st.height = String(t.height);
    resetFields();
    let doc = null;
    try {
      doc = (await json(`/templates/${encodeURIComponent(t.id)}`)).template;
    } catch {
      // the proofs will say what is wrong
    }
    if (disposed || st.source !== 'stored' || st.templateId !== t.id) return; // chosen otherwise meanwhile
    setObjects(doc);
    updateScaleHelp();
    refresh();
  }

  async function readTemplateFile() {
    const f = tplFile.files[0];
    if (!f) return;
    st.templateFile = f.name;
    st.templateFileObj = f;
    let text = '';
    try {
      text = await f.text();
      const doc = JSON.parse(text);
      st.templateText = text;
      setObjects(doc);
      const w = Number(doc.width), ht = Number(doc.height);
      if (w > 0 && ht > 0) {
        st.width = String(w);
        st.height = String(ht);
        width.value = st.width;
        height.value = st.height;
      }
      tplInfo.textContent = `${f.name}: ${plural(countObjects(doc), 'object')}, ${fmtBytes(f.size)}.` +
        (w > 0 && ht > 0 ? ` Canvas ${w} × ${ht} px.` : ' The file does not store the canvas size: give it below.');
      if (!saveTplName.value) saveTplName.value = st.saveName = f.name.replace(/\.json$/i, '');
      if (!st.name) jobName.placeholder = saveTplName.value;
    } catch (e) {
      st.templateText = '';
      setObjects(null);
      tplInfo.textContent = `${f.name} is not JSON: ${e.message}`;
    }
    resetFields();
    refresh();
  }

  async function saveTemplate() {
    if (!st.templateText) {
      showErrors(['Choose a Fabric JSON file to save.'], tplFile);
      return;
    }
    if (!(Number(st.width) > 0 && Number(st.height) > 0)) {
      showErrors(['Enter the canvas width and height first.'], width);
      return;
    }
    const fd = new FormData();
    fd.append('template', new Blob([st.templateText], {type: 'application/json'}), st.templateFile || 'template.json');
    fd.append('width', st.width);
    fd.append('height', st.height);
    fd.append('name', saveTplName.value.trim() || st.templateFile);
    saveTplBtn.disabled = true;
    try {
      const t = await post('/templates', fd);
      st.templates = [t, ...(st.templates || [])];
      st.source = 'stored';
      srcStored.checked = true;
      st.templateId = t.id;
      st.templateName = t.name;
      renderStored();
      showSource();
      announce(`Saved the template ${t.name}; it is now selected.`);
      storedBox.querySelector(`#tpl-${t.id}`)?.focus();
    } catch (e) {
      showErrors([`The template could not be saved: ${describe(e)}`]);
    } finally {
      saveTplBtn.disabled = false;
    }
  }

  function countObjects(doc) {
    let n = 0;
    const walk = (objs) => {
      for (const o of objs || []) {
        n++;
        walk(o.objects);
      }
    };
    walk(doc && doc.objects);
    return n;
  }

  // ---- object bindings ------------------------------------------------
  function setObjects(doc) {
    const out = [];
    const walk = (objs) => {
      for (const o of objs || []) {
        if (!o || typeof o !== 'object') continue;
        const name = o.name != null && o.name !== '' ? String(o.name) : '';
        const id = o.id != null && o.id !== '' ? String(o.id) : '';
        if (name || id) out.push({key: name || id, alt: name && id ? id : '', type: String(o.type || '').toLowerCase(), text: typeof o.text === 'string' ? o.text : ''});
        walk(o.objects);
      }
    };
    walk(doc && doc.objects);
    st.objects = out;
    // Bindings of objects the template does not have are dropped (none
    // while no template is chosen: they wait for one).
    if (doc) {
      const keys = new Set(out.flatMap((o) => [o.key, o.alt]));
      for (const k of Object.keys(st.bindings)) if (!keys.has(k)) delete st.bindings[k];
    }
    renderBindings();
  }

  function kindsFor(o) {
    return TEXT_TYPES.has(o.type) ? ['', 'text'] : ['', 'image', 'qr', 'barcode'];
  }

  function renderBindings() {
    const active = Object.values(st.bindings).filter((b) => b.kind && b.value).length + Object.keys(st.rawMapping).length;
    countBindings();
    if (active) bindingsDetails.open = true;
    bindingsDetails.hidden = !(st.source === 'stored' ? st.templateId : st.templateText);
    if (!st.objects.length) {
      fill(bindingsBox, h('p', {class: 'muted small'}, st.templateText || st.templateId ? 'The template has no named objects to bind.' : 'Choose a template to see its named objects.'));
      return;
    }
    const tbody = h('tbody');
    for (const o of st.objects) {
      const b = st.bindings[o.key] || st.bindings[o.alt] || {kind: '', value: ''};
      const sid = newId('bind-kind');
      const vid = newId('bind-value');
      const kind = h('select', {id: sid, dataset: {object: o.key}},
        kindsFor(o).map((k) => h('option', {value: k, selected: b.kind === k}, KIND_LABELS[k])));
      const value = h('input', {type: 'text', id: vid, value: b.value || '', dataset: {object: o.key}, hidden: !b.kind,
        placeholder: placeholderFor(b.kind), 'aria-label': `Value bound to ${o.key}`, spellcheck: 'false'});
      const key = st.bindings[o.key] ? o.key : (st.bindings[o.alt] ? o.alt : o.key);
      const changed = () => {
        const prev = st.bindings[key] || {};
        if (!kind.value) delete st.bindings[key];
        else st.bindings[key] = {kind: kind.value, value: value.value, extra: prev.kind === kind.value ? prev.extra : undefined};
        value.hidden = !kind.value;
        value.placeholder = placeholderFor(kind.value);
        if (kind.value && !value.value) value.value = defaultValueFor(kind.value, o);
        if (kind.value) st.bindings[key].value = value.value;
        countBindings();
        resetFields(true);
        refreshSoon();
      };
      kind.addEventListener('change', changed);
      value.addEventListener('input', changed);
      tbody.append(h('tr', {dataset: {object: o.key}},
        h('th', {scope: 'row', 'data-label': 'Object'}, h('label', {for: sid}, o.key), h('span', {class: 'muted small'}, ` ${o.type}`)),
        h('td', {'data-label': 'Bind to'}, kind),
        h('td', {'data-label': 'Value', class: 'bind-value'}, value)));
    }
    const extra = Object.keys(st.rawMapping);
    fill(bindingsBox,
      h('div', {class: 'table-wrap'}, h('table', {class: 'bindings-table', id: 'bindings-table'},
        h('caption', {class: 'visually-hidden'}, 'Named objects of the template and what fills them'),
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Object'), h('th', {scope: 'col'}, 'Bind to'), h('th', {scope: 'col'}, 'Value'))),
        tbody)),
      extra.length ? h('p', {class: 'muted small'}, `The mapping file also has ${plural(extra.length, 'entry', 'entries')} kept as they are: ${extra.join(', ')}.`) : null);
  }

  function countBindings() {
    const n = Object.values(st.bindings).filter((x) => x.kind && x.value).length + Object.keys(st.rawMapping).length;
    document.getElementById('bindings-count')?.replaceChildren(`(${plural(st.objects.length, 'object')}${n ? `, ${n} bound` : ''})`);
  }

  function placeholderFor(kind) {
    return {text: 'Hello {{first_name}}', image: 'column with the image, or {{…}}', qr: 'https://example.com/r/{{id}}', barcode: '{{id}}'}[kind] || '';
  }

  function defaultValueFor(kind, o) {
    if (kind === 'text') return o.text || '';
    return '';
  }

  async function readMappingFile() {
    const f = mappingFile.files[0];
    if (!f) return;
    try {
      const m = JSON.parse(await f.text());
      if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error('want a JSON object');
      st.bindings = {};
      st.rawMapping = {};
      for (const [k, v] of Object.entries(m)) {
        const kind = v && typeof v === 'object' && !Array.isArray(v) ? ['text', 'image', 'qr', 'barcode'].filter((x) => typeof v[x] === 'string') : [];
        const known = st.objects.some((o) => o.key === k || o.alt === k);
        if (kind.length === 1 && known) {
          const extra = {...v};
          delete extra[kind[0]];
          st.bindings[k] = {kind: kind[0], value: v[kind[0]], extra};
        } else {
          st.rawMapping[k] = v;
        }
      }
      st.mappingFile = f.name;
      st.mappingFileObj = f;
      mappingInfo.textContent = `${f.name}: ${plural(Object.keys(m).length, 'binding')} loaded.`;
    } catch (e) {
      mappingInfo.textContent = `${f.name} is not a mapping: ${e.message}`;
    }
    renderBindings();
    resetFields(true);
    refresh();
  }

  function mappingJSON() {
    const m = {...st.rawMapping};
    for (const [k, b] of Object.entries(st.bindings)) {
      if (b.kind && b.value) m[k] = {...(b.extra || {}), [b.kind]: b.value};
    }
    return Object.keys(m).length ? JSON.stringify(m) : '';
  }

  // ---- CSV --------------------------------------------------------------
  async function readCSV() {
    const f = csvFile.files[0];
    if (!f) return;
    st.csvFile = f;
    st.csvName = f.name;
    csvSummary.textContent = `Reading ${f.name}…`;
    try {
      const scan = scanCSV(await f.text(), PROOF_ROWS);
      st.csvHeader = scan.header;
      st.csvRows = scan.rows;
      st.csvHead = scan.head;
    } catch (e) {
      st.csvHeader = [];
      st.csvRows = 0;
      st.csvHead = '';
      csvSummary.textContent = `${f.name} could not be read: ${e.message}`;
      return;
    }
    showCSVSummary();
    if (!st.name && !jobName.value) jobName.placeholder = f.name.replace(/\.(csv|txt)$/i, '');
    st.overrides = {};
    refresh();
  }

  function showCSVSummary() {
    if (!st.csvFile) {
      csvSummary.textContent = '';
      return;
    }
    csvSummary.replaceChildren(h('strong', {}, plural(st.csvRows, 'recipient')),
      ` in ${st.csvName} · ${plural(st.csvHeader.length, 'column')}: ${st.csvHeader.join(', ')}`);
  }

  // ---- fields and the column mapping ------------------------------------
  function resetFields(keepOverrides) {
    st.fields = [];
    st.fieldsFromServer = false;
    st.proofs = [];
    if (!keepOverrides) st.overrides = {};
  }

  // guessFields reads the {{field}} placeholders of the template and the
  // bindings: used only when the server could not answer its fields (a
  // required field without a column), so the mapping can still be fixed.
  function guessFields() {
    const seen = new Map();
    const scan = (s, bare) => {
      if (typeof s !== 'string') return;
      if (bare && !s.includes('{{')) {
        if (!seen.has(s)) seen.set(s, true);
        return;
      }
      for (const m of s.matchAll(/\{\{\s*([^}|]+?)\s*(\|[^}]*)?\}\}/g)) {
        const req = !m[2];
        seen.set(m[1], (seen.get(m[1]) || false) || req);
      }
    };
    try {
      const doc = st.templateText ? JSON.parse(st.templateText) : null;
      const walk = (objs) => {
        for (const o of objs || []) {
          scan(o.text);
          walk(o.objects);
        }
      };
      walk(doc && doc.objects);
    } catch {
      // the server said what is wrong with the template
    }
    const m = mappingJSON();
    if (m) {
      for (const v of Object.values(JSON.parse(m))) {
        if (typeof v === 'string') scan(v, true);
        else if (v && typeof v === 'object') {
          scan(v.text);
          scan(v.image, true);
          scan(v.qr);
          scan(v.barcode);
        }
      }
    }
    return [...seen].map(([name, required]) => ({name, required}));
  }

  function columnFor(f) {
    if (Object.prototype.hasOwnProperty.call(st.overrides, f.name)) return {column: st.overrides[f.name], how: 'chosen'};
    return matchColumn(f.name, st.csvHeader);
  }

  function renderMapping() {
    if (!templateReady() || !st.csvFile) {
      fill(mappingBox, h('p', {class: 'muted'}, 'Choose a template and a CSV: each template field is then matched to a column, and you can change the match.'));
      return;
    }
    if (!st.fields.length) {
      fill(mappingBox, h('p', {class: 'muted'}, st.proofError ? 'The template’s fields are not known yet.' : 'Reading the template’s fields…'));
      return;
    }
    const tbody = h('tbody');
    const used = new Set();
    let problems = 0;
    for (const f of st.fields) {
      const m = columnFor(f);
      if (m.column) used.add(m.column);
      const sid = `col-${f.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const sel = h('select', {id: sid, dataset: {field: f.name}, 'aria-describedby': `${sid}-status`},
        h('option', {value: ''}, f.required ? '— no column —' : '— no column (default) —'),
        st.csvHeader.map((c) => h('option', {value: c, selected: c === m.column}, c)));
      sel.addEventListener('change', () => {
        const auto = matchColumn(f.name, st.csvHeader);
        if (auto.how !== 'ambiguous' && auto.column === sel.value) delete st.overrides[f.name];
        else st.overrides[f.name] = sel.value;
        renderMapping();
        document.getElementById(sid)?.focus();
        refreshSoon();
      });
      let status, cls = 'ok';
      if (m.how === 'chosen' && m.column) status = 'Chosen by you';
      else if (m.how === 'exact') status = 'Matched';
      else if (m.how === 'normalized') status = 'Matched (similar name)';
      else if (m.how === 'ambiguous') {
        status = `Several columns match (${m.candidates.join(', ')}): choose one`;
        cls = 'bad';
        problems++;
      } else if (f.required) {
        status = 'Missing: this field is required';
        cls = 'bad';
        problems++;
      } else {
        status = 'No column: its default is used';
        cls = 'warn';
      }
      tbody.append(h('tr', {dataset: {field: f.name, match: m.how}},
        h('th', {scope: 'row', 'data-label': 'Template field'}, h('label', {for: sid}, h('code', {}, f.name)),
          f.required ? h('span', {class: 'tag'}, 'required') : null),
        h('td', {'data-label': 'CSV column'}, sel),
        h('td', {'data-label': 'Status', id: `${sid}-status`, class: `match match-${cls}`}, status)));
    }
    const unused = st.csvHeader.filter((c) => !used.has(c));
    fill(mappingBox,
      st.fieldsFromServer ? null : h('p', {class: 'muted small'}, 'Fields read from the template in the browser (the server did not list them: see the proofs).'),
      h('div', {class: 'table-wrap'}, h('table', {class: 'mapping', id: 'mapping-table'},
        h('caption', {class: 'visually-hidden'}, 'Template fields and the CSV columns that fill them'),
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Template field'), h('th', {scope: 'col'}, 'CSV column'), h('th', {scope: 'col'}, 'Status'))),
        tbody)),
      h('p', {class: 'muted small', id: 'mapping-summary'},
        problems ? `${plural(problems, 'field')} need a column. ` : `All ${plural(st.fields.length, 'field')} are mapped. `,
        unused.length ? `Columns not used: ${unused.join(', ')}.` : 'Every column is used.'));
  }

  // ---- proofs -------------------------------------------------------------
  function baseForm(fullCSV) {
    const fd = new FormData();
    if (st.source === 'stored') {
      fd.append('template_id', st.templateId);
    } else {
      fd.append('template', new Blob([st.templateText], {type: 'application/json'}), st.templateFile || 'template.json');
      fd.append('width', st.width);
      fd.append('height', st.height);
    }
    if (fullCSV) fd.append('csv', st.csvFile, st.csvName);
    else fd.append('csv', new Blob([st.csvHead], {type: 'text/csv'}), st.csvName);
    const m = mappingJSON();
    if (m) fd.append('mapping', m);
    return fd;
  }

  async function refreshProofs() {
    if (disposed) return;
    if (!templateReady() || !st.csvFile) {
      fill(proofsBox, h('p', {class: 'muted'}, `Proofs of the first ${PROOF_ROWS} personalised pieces appear here once a template and a CSV are chosen.`));
      renderMapping();
      return;
    }
    const seq = ++proofSeq;
    proofsBox.setAttribute('aria-busy', 'true');
    proofsBox.classList.add('is-loading');
    if (!st.proofs.length) fill(proofsBox, h('p', {class: 'muted'}, 'Rendering proofs…'));
    const fd = baseForm(false);
    if (Object.keys(st.overrides).length) fd.append('options', JSON.stringify({columns: st.overrides}));
    try {
      const r = await post(`/proofs?rows=${PROOF_ROWS}`, fd);
      if (seq !== proofSeq || disposed) return;
      st.fields = (r.fields || []).map((f) => ({name: f.Name ?? f.name, required: !!(f.Required ?? f.required)}));
      st.fieldsFromServer = true;
      st.proofs = r.proofs || [];
      st.proofError = '';
    } catch (e) {
      if (seq !== proofSeq || disposed) return;
      st.proofs = [];
      st.proofError = describe(e);
      if (!st.fields.length) {
        st.fields = guessFields();
        st.fieldsFromServer = false;
      }
    }
    proofsBox.removeAttribute('aria-busy');
    proofsBox.classList.remove('is-loading');
    renderProofs();
    renderMapping();
    updateSummary();
  }

  function renderProofs() {
    if (st.proofError) {
      fill(proofsBox, h('p', {class: 'flash flash-error', id: 'proof-error'}, `No proofs: ${st.proofError}`));
      return;
    }
    if (!st.proofs.length) return;
    fill(proofsBox, st.proofs.map((p) => h('figure', {class: 'proof', dataset: {row: p.row}},
      p.png
        ? h('img', {src: p.png, alt: `Proof of row ${p.row}${p.name ? `, ${p.name}` : ''}`})
        : h('div', {class: 'proof-error', role: 'note'}, p.error || 'no image'),
      h('figcaption', {}, h('strong', {}, `Row ${p.row}`), p.name ? ` · ${p.name}` : '', h('span', {class: 'muted small'}, ` · CSV line ${p.line}`)))));
  }

  const refresh = () => {
    result.hidden = true; // the last render was of other input
    renderMapping();
    updateSummary();
    refreshProofs();
  };
  const refreshSoon = debounce(refresh, 350);

  // ---- options and submit ---------------------------------------------------
  function options(withColumns = true) {
    const o = {format: st.format};
    const sc = Number(st.scale);
    if (sc > 0 && sc !== 1) o.scale = sc;
    if (st.format === 'pdf') {
      if (st.merge) o.merge = true;
      const b = Number(st.bleed);
      if (b > 0) o.bleed = b * 96;
      if (st.cropMarks) o.cropMarks = true;
    }
    const name = st.name.trim() || jobName.placeholder || '';
    if (name) o.name = name;
    if (st.notifyEmail.trim()) o.notifyEmail = st.notifyEmail.trim();
    if (withColumns && Object.keys(st.overrides).length) o.columns = st.overrides;
    return o;
  }

  function isLarge() {
    return st.csvRows >= cfg.threshold;
  }

  function updateScaleHelp() {
    const w = Number(st.width), ht = Number(st.height), sc = Number(st.scale) || 1;
    const size = w > 0 && ht > 0 ? ` Each piece: ${fmtNumber(Math.round(w * sc))} × ${fmtNumber(Math.round(ht * sc))} px.` : '';
    scaleHelp.textContent = `1 is the canvas size; 3.125 is 300 DPI.${st.format === 'pdf' ? ' PDFs keep text and shapes as vectors.' : size}`;
  }

  function updateSummary() {
    const pdf = st.format === 'pdf';
    pdfSet.hidden = !pdf;
    updateScaleHelp();
    if (!st.csvFile) {
      summary.textContent = 'Choose a template and a CSV to continue.';
      submit.textContent = 'Start';
      return;
    }
    if (isLarge()) {
      summary.replaceChildren(h('strong', {}, plural(st.csvRows, 'recipient')),
        `: at or above the batch threshold of ${fmtNumber(cfg.threshold)}, so a job is queued and you can follow its progress.`);
      submit.textContent = 'Start job';
    } else {
      summary.replaceChildren(h('strong', {}, plural(st.csvRows, 'recipient')),
        `: below the batch threshold of ${fmtNumber(cfg.threshold)}, so the pieces are rendered now and downloaded${st.csvRows > 1 ? ' as a ZIP' : ''}.`);
      submit.textContent = 'Render and download';
    }
  }

  function showErrors(list, focusEl) {
    if (!list.length) {
      errors.hidden = true;
      return;
    }
    fill(errors, h('h2', {}, list.length === 1 ? 'Please fix this:' : `Please fix these ${list.length} things:`),
      h('ul', {}, list.map((m) => h('li', {}, m))));
    errors.hidden = false;
    (focusEl || errors).focus();
    if (focusEl) errors.scrollIntoView({block: 'nearest'});
  }

  function validate() {
    const errs = [];
    let first = null;
    const bad = (msg, el) => {
      errs.push(msg);
      first = first || el;
    };
    if (st.source === 'stored' && !st.templateId) bad('Choose a stored template.', storedBox.querySelector('input') || srcUpload);
    if (st.source === 'upload') {
      if (!st.templateText) bad('Choose a Fabric JSON file.', tplFile);
      if (!(Number(st.width) > 0)) bad('Enter the canvas width in px.', width);
      if (!(Number(st.height) > 0)) bad('Enter the canvas height in px.', height);
    }
    if (!st.csvFile) bad('Choose a CSV file.', csvFile);
    else if (!st.csvRows) bad('The CSV has no recipients.', csvFile);
    for (const f of st.fields) {
      const m = columnFor(f);
      if (!m.column && (f.required || m.how === 'ambiguous')) bad(`Choose a column for the field ${f.name}.`, document.getElementById(`col-${f.name.replace(/[^A-Za-z0-9_-]/g, '_')}`));
    }
    const sc = Number(st.scale);
    if (!(sc > 0 && sc <= 50)) bad('The scale must be more than 0 and at most 50.', scale);
    if (st.notifyEmail.trim() && !email.checkValidity()) bad('The email address is not valid.', email);
    return {errs, first};
  }

  let submitting = false;
  let idempotencyKey = '';
  async function onSubmit(ev) {
    ev.preventDefault();
    if (submitting) return;
    const {errs, first} = validate();
    if (errs.length) {
      showErrors(errs, null);
      if (first) first.setAttribute('aria-invalid', 'true');
      return;
    }
    showErrors([]);
    submitting = true;
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    const label = submit.textContent;
    try {
      if (!isLarge()) {
        submit.textContent = 'Rendering…';
        const done = await renderNow();
        if (done) return;
      }
      submit.textContent = 'Creating the job…';
      await createJob();
    } catch (e) {
      showErrors([describe(e)]);
    } finally {
      submitting = false;
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
      if (submit.textContent.endsWith('…')) submit.textContent = label;
    }
  }

  // renderNow renders a small batch in the request and downloads it; it
  // returns false when the server says the batch is too large after all
  // (then a job is created instead).
  async function renderNow() {
    const fd = baseForm(true);
    fd.append('options', JSON.stringify(options()));
    let resp;
    try {
      resp = await request('/render', {method: 'POST', body: fd});
    } catch (e) {
      if (e.code === 'too_many_recipients') return false;
      throw e;
    }
    const blob = await resp.blob();
    const name = filenameOf(resp, 'pieces.zip');
    const url = saveBlob(blob, name);
    const n = st.csvRows;
    fill(result,
      h('h2', {}, 'Rendered'),
      h('p', {}, `${plural(n, 'piece')} rendered: ${name} (${fmtBytes(blob.size)}) is downloading.`),
      h('p', {}, h('a', {class: 'btn', href: url, download: name, id: 'result-download'}, `Download ${name} again`)));
    result.hidden = false;
    result.focus();
    announce(`${plural(n, 'piece')} rendered; ${name} is downloading.`);
    return true;
  }

  async function createJob() {
    const fd = baseForm(true);
    fd.append('options', JSON.stringify(options()));
    if (!idempotencyKey) idempotencyKey = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    const job = await post('/jobs', fd, {headers: {'Idempotency-Key': idempotencyKey}});
    idempotencyKey = '';
    announce(`Job ${job.name || job.id} created with ${plural(job.total, 'recipient')}.`);
    location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
  }

  // ---- events ----------------------------------------------------------------
  const onSource = () => {
    st.source = srcStored.checked ? 'stored' : 'upload';
    showSource();
    resetFields();
    if (st.source === 'stored') {
      const t = (st.templates || []).find((x) => x.id === st.templateId);
      if (t) chooseStored(t);
      else setObjects(null);
    } else {
      try {
        setObjects(st.templateText ? JSON.parse(st.templateText) : null);
      } catch {
        setObjects(null);
      }
      st.width = width.value;
      st.height = height.value;
    }
    refresh();
  };
  const chooseSource = () => {
    st.sourceChosen = true;
    onSource();
  };
  srcStored.addEventListener('change', chooseSource);
  srcUpload.addEventListener('change', chooseSource);
  tplFile.addEventListener('change', readTemplateFile);
  saveTplBtn.addEventListener('click', saveTemplate);
  const onSize = () => {
    st.width = width.value;
    st.height = height.value;
    width.removeAttribute('aria-invalid');
    height.removeAttribute('aria-invalid');
    updateScaleHelp();
    refreshSoon();
  };
  width.addEventListener('input', onSize);
  height.addEventListener('input', onSize);
  mappingFile.addEventListener('change', readMappingFile);
  csvFile.addEventListener('change', readCSV);
  for (const r of form.querySelectorAll('input[name=format]')) {
    r.addEventListener('change', () => {
      st.format = r.value;
      updateSummary();
    });
  }
  scale.addEventListener('input', () => {
    st.scale = scale.value;
    scale.removeAttribute('aria-invalid');
    updateScaleHelp();
  });
  merge.addEventListener('change', () => { st.merge = merge.checked; });
  bleed.addEventListener('input', () => { st.bleed = bleed.value; });
  crop.addEventListener('change', () => { st.cropMarks = crop.checked; });
  jobName.addEventListener('input', () => { st.name = jobName.value; });
  email.addEventListener('input', () => {
    st.notifyEmail = email.value;
    email.removeAttribute('aria-invalid');
  });
  form.addEventListener('submit', onSubmit);

  // ---- first render ------------------------------------------------------------
  // Files chosen before a visit elsewhere are shown again in their inputs.
  const restore = (input, file) => {
    if (!file || typeof DataTransfer !== 'function') return;
    try {
      const dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
    } catch {
      // the state is kept even if the input cannot show it
    }
  };
  restore(tplFile, st.templateFileObj);
  restore(mappingFile, st.mappingFileObj);
  restore(csvFile, st.csvFile);
  if (st.templateFileObj) tplInfo.textContent = `${st.templateFile} (chosen before).`;
  if (st.mappingFileObj) mappingInfo.textContent = `${st.mappingFile} (chosen before).`;
  showSource();
  renderBindings();
  showCSVSummary();
  updateSummary();
  renderProofs();
  renderMapping();
  if (st.csvFile && templateReady() && !st.proofs.length) refreshProofs();
  loadTemplates().then(() => {
    // A first visit with stored templates starts on them.
    if (!disposed && !st.sourceChosen && st.templates && st.templates.length && !st.templateText) {
      st.sourceChosen = true;
      srcStored.checked = true;
      if (st.templates.length === 1 && !st.templateId) {
        st.templateId = st.templates[0].id; // the only one: chosen already
        renderStored();
      }
      onSource();
    }
  });
  return () => {
    disposed = true;
  };
}
