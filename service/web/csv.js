// Reading a CSV in the browser: its header (for the column mapping) and
// its number of recipients (to choose between rendering at once and a
// job). RFC 4180 quoting, with newlines inside quotes; blank lines are
// skipped, as the server's reader skips them.

// scanCSV returns {header, rows, comma} of text, where rows counts the
// records after the header. Like the server's reader, the delimiter is the
// most frequent of ",", ";" and tab on the header line (ties in that
// order), and rows holding only white space are skipped. A row the server
// will reject as malformed still counts: it becomes a failed recipient.
//
// head is the text of the header and the first `keep` records (for proofs,
// which need no more than that).
export function scanCSV(text, keep = 3) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let headEnd = -1;
  const comma = detectComma(text);
  let header = null;
  let rows = 0;
  let rec = [];
  let field = '';
  let quoted = false;
  let atStart = true; // at the start of a field
  let text_ = false; // the record holds non-blank text
  let any = false; // the record holds anything
  const endField = () => {
    if (!header) rec.push(field);
    field = '';
    atStart = true;
  };
  const endRecord = () => {
    if (text_) {
      if (!header) header = rec.map((s) => s.trim());
      else rows++;
      if (rows === keep && headEnd < 0) headEnd = pos;
    }
    rec = [];
    text_ = false;
    any = false;
  };
  const n = text.length;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          if (!header) field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (!header) field += c; // only the header's fields are kept
        if (!text_ && c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') text_ = true;
      }
      continue;
    }
    if (c === '"' && atStart) {
      quoted = true;
      atStart = false;
      any = true;
      continue;
    }
    if (c === comma) {
      endField();
      any = true;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') continue;
    if (c === '\n' || c === '\r') {
      pos = i + 1;
      if (any) endField();
      endRecord();
      continue;
    }
    if (!header) field += c;
    atStart = false;
    any = true;
    if (c !== ' ' && c !== '\t') text_ = true;
  }
  if (any) {
    pos = n;
    endField();
    endRecord();
  }
  return {header: header || [], rows, comma, head: headEnd < 0 ? text : text.slice(0, headEnd)};
}

function detectComma(text) {
  const cands = [',', ';', '\t'];
  let counts = [0, 0, 0];
  let inQuotes = false;
  let hasText = false;
  for (let i = 0; i < text.length && i < 1 << 20; i++) {
    const c = text[i];
    if (c === '\r' || c === '\n') {
      if (inQuotes) continue;
      if (hasText) break;
      counts = [0, 0, 0];
      continue;
    }
    if (c === '"') {
      inQuotes = !inQuotes;
      continue;
    }
    const k = cands.indexOf(c);
    if (k >= 0) {
      if (!inQuotes) counts[k]++;
      continue;
    }
    if (c !== ' ') hasText = true;
  }
  let best = 0;
  for (let k = 1; k < 3; k++) if (counts[k] > counts[best]) best = k;
  return cands[best];
}

// normalizeName mirrors batch.NormalizeName: case folded, without white
// space, "_", "-" and ".".
export function normalizeName(s) {
  return s.replace(/[\s_.-]/gu, '').toUpperCase().toLowerCase();
}

// matchColumn mirrors batch.MatchColumns for one field: the column named
// exactly like the field, else the one column equal after normalizeName.
// It returns {column, how}: how is "exact", "normalized", "ambiguous"
// (with candidates) or "missing".
export function matchColumn(field, header) {
  if (header.includes(field)) return {column: field, how: 'exact'};
  const want = normalizeName(field);
  const cands = header.filter((c) => normalizeName(c) === want);
  if (cands.length === 1) return {column: cands[0], how: 'normalized'};
  if (cands.length > 1) return {column: '', how: 'ambiguous', candidates: cands};
  return {column: '', how: 'missing'};
}
