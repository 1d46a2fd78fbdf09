// Reading a batch's prompts from what the user pasted or from a .txt or
// .csv file. Pure functions (no DOM, no catalogue): the page turns their
// results into words, and tests/browser/batch.test.mjs checks them in node.

// The API's limits (docs/openapi.json, BatchRequest): a prompt holds 1 to
// 4000 characters; a batch holds at most IG_BATCH_MAX_PROMPTS prompts, 500
// unless the server's operator changed it (the server's own 400, naming
// prompts, then says its number).
export const PROMPT_MAX = 4000;
export const BATCH_MAX = 500;

// Header cells that name the prompt column (compared trimmed, lower-cased).
const HEADERS = ['prompt', 'prompts', 'text', 'description', '提示詞', '提示词', '描述'];

// Characters, as the API counts them (code points, not UTF-16 units).
export function length(str) {
  let n = 0;
  for (const _ of str) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

// One prompt from a line or a cell: inner line breaks and runs of spaces
// become one space, the ends trimmed.
function tidy(str) {
  return str.replace(/\s+/g, ' ').trim();
}

function keep(out, text, line) {
  if (text === '') out.skipped.push({ line, reason: 'empty' });
  else if (length(text) > PROMPT_MAX) out.skipped.push({ line, reason: 'too_long' });
  else out.prompts.push(text);
}

// lines(text, {comments}): one prompt per line; blank lines skipped, and
// '#' lines too when comments (a .txt file, as `imagegen batch submit`
// reads one). → {prompts, skipped: [{line, reason}]}, lines counted from 1.
export function fromLines(text, { comments = false } = {}) {
  const out = { prompts: [], skipped: [] };
  const rows = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (rows.length && rows[rows.length - 1] === '') rows.pop(); // the file's last newline
  rows.forEach((row, i) => {
    const text_ = tidy(row);
    if (comments && text_.startsWith('#')) out.skipped.push({ line: i + 1, reason: 'comment' });
    else keep(out, text_, i + 1);
  });
  return out;
}

// The records of a CSV text (RFC 4180: quoted fields hold commas, quotes
// doubled, line breaks), each with the line it starts on.
export function csvRecords(text) {
  const records = [];
  let field = '';
  let record = [];
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false; // the record has begun (a field, a quote or a comma)
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
        field += c;
      }
    } else if (c === '"') {
      quoted = true; any = true;
    } else if (c === ',') {
      record.push(field); field = ''; any = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      record.push(field);
      records.push({ line: start, cells: any || field !== '' ? record : [] });
      record = []; field = ''; any = false;
      line++; start = line;
    } else {
      field += c; any = true;
    }
  }
  if (any || field !== '' || record.length) {
    record.push(field);
    records.push({ line: start, cells: record });
  }
  return records;
}

// fromCsv(text): the first column's prompts, or the column a header row
// names (prompt, text, 提示詞 …); the header row is skipped.
export function fromCsv(text) {
  const out = { prompts: [], skipped: [] };
  const records = csvRecords(text);
  let col = 0;
  let from = 0;
  if (records.length) {
    const head = records[0].cells.map((c) => tidy(c).toLowerCase());
    const named = head.findIndex((c) => HEADERS.includes(c));
    if (named >= 0) {
      col = named;
      from = 1;
      out.skipped.push({ line: records[0].line, reason: 'header' });
    }
  }
  for (const r of records.slice(from)) keep(out, tidy(r.cells[col] || ''), r.line);
  return out;
}

// fromFile(name, text): by the file's extension (.csv, else lines).
export function fromFile(name, text) {
  return /\.csv$/i.test(name) ? fromCsv(text) : fromLines(text, { comments: true });
}

// The prompts of the form's text area: one per line, blank lines skipped;
// too long ones are reported (the API would refuse the whole batch).
export function fromTextarea(text) {
  return fromLines(text);
}

// etaSeconds(remaining, pace): the seconds left for remaining items at pace
// (seconds of the batch's wall clock per ended item), or null when there is
// no pace yet or nothing left.
export function etaSeconds(remaining, pace) {
  if (!(remaining > 0) || !(pace > 0) || !Number.isFinite(pace)) return null;
  return Math.max(1, Math.round(remaining * pace));
}
