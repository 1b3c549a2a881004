// slug mirrors batch.Slug (Go): the file-name form of a job's name, which
// names its ZIP and merged PDFs. ASCII lower-case letters and digits, runs
// of anything else as one "-", accents removed, a few Latin letters spelled
// out, at most 40 bytes.

const FOLDS = {
  'ł': 'l', 'Ł': 'l', 'ø': 'o', 'Ø': 'o', 'ß': 'ss', 'ẞ': 'ss',
  'æ': 'ae', 'Æ': 'ae', 'œ': 'oe', 'Œ': 'oe', 'đ': 'd', 'Đ': 'd',
  'ð': 'd', 'Ð': 'd', 'þ': 'th', 'Þ': 'th', 'ı': 'i', 'ħ': 'h',
  'Ħ': 'h', 'ŀ': 'l', 'Ŀ': 'l', 'ĸ': 'k', 'ŋ': 'n', 'Ŋ': 'n',
  'ſ': 's', 'ƒ': 'f', 'ŧ': 't', 'Ŧ': 't', 'ə': 'e', 'Ə': 'e',
  'ɨ': 'i', 'ʉ': 'u', 'ƀ': 'b', 'ɓ': 'b', 'ɗ': 'd', 'ƙ': 'k',
};
const MAX = 40;
const MARK = /\p{Mn}/u;

export function slug(s) {
  let out = '';
  let dash = false;
  for (const r of (s || '').normalize('NFKD')) {
    let t;
    if ((r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) t = r;
    else if (r >= 'A' && r <= 'Z') t = r.toLowerCase();
    else if (MARK.test(r)) continue;
    else if (FOLDS[r]) t = FOLDS[r];
    else {
      dash = true;
      continue;
    }
    if (dash && out) {
      if (out.length + 1 + t.length > MAX) return out;
      out += '-';
    } else if (out.length + t.length > MAX) {
      return out;
    }
    dash = false;
    out += t;
  }
  return out;
}
