// The docs inside the repo stay consistent with each other and with the code:
// - every relative link (and #anchor) in README.md and docs/**/*.md resolves inside the repo;
// - every rule id a code comment cites (G2, C1–C4, (C4, C5)) has an entry in docs/semantics.md;
// - no code comment cites the oracle notes outside the repo for a rule.
// The markdown and comment scanners are small and hand-written: they only need to be right for
// this repo's files, and their tricky cases are tested below.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEMANTICS = 'docs/semantics.md';
const THIS_FILE = 'test/docs.test.ts';
/** Folders whose comments may cite rules. */
const CODE_DIRS = ['src', 'assembly', 'shaders', 'test', 'bench', 'examples', 'scripts'];
/**
 * Generated and git-ignored (`npm run docs`): a link into one is checked once it is built; before
 * that, the missing folder is not a broken link.
 */
const GENERATED_DOCS = ['docs/api'];
/** Build outputs and data, never hand-written comments. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'src/generated', 'test/fixtures']);

const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
const posix = (p: string) => p.split(sep).join('/');

/** Repo-relative paths of the files under `dir` (recursively) that `keep` accepts. */
function filesUnder(dir: string, keep: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(ROOT, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      if (SKIP_DIRS.has(child) || name === 'node_modules') continue;
      if (statSync(join(ROOT, child)).isDirectory()) walk(child);
      else if (keep(child)) out.push(child);
    }
  };
  if (existsSync(join(ROOT, dir))) walk(dir);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown: code removed, headings, links

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** Blanks fenced code blocks (``` or ~~~), keeping line numbers. */
function blankFences(md: string): string {
  let fence: string | null = null;
  return md
    .split('\n')
    .map((line) => {
      const mark = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence) {
        if (mark && mark[0] === fence[0] && mark.length >= fence.length && line.trim() === mark) fence = null;
        return blank(line);
      }
      if (mark) fence = mark;
      return mark ? blank(line) : line;
    })
    .join('\n');
}

/** Blanks inline code spans: a run of n backticks up to the next run of exactly n, within a paragraph. */
function blankInlineCode(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '`') {
      out += text[i++];
      continue;
    }
    let j = i;
    while (text[j] === '`') j++;
    const run = j - i;
    const paragraphEnd = text.indexOf('\n\n', j);
    const limit = paragraphEnd < 0 ? text.length : paragraphEnd;
    let close = -1;
    for (let k = j; k < limit; ) {
      if (text[k] !== '`') {
        k++;
        continue;
      }
      let e = k;
      while (text[e] === '`') e++;
      if (e - k === run) {
        close = k;
        break;
      }
      k = e;
    }
    if (close < 0) {
      out += text.slice(i, j); // an unmatched run is literal text
      i = j;
    } else {
      out += blank(text.slice(i, close + run));
      i = close + run;
    }
  }
  return out;
}

/** The prose of a markdown file: code blocks, code spans and HTML comments blanked in place. */
function proseOnly(md: string): string {
  return blankInlineCode(blankFences(md).replace(/<!--[\s\S]*?-->/g, blank));
}

/** GitHub's heading anchor: lowercase, punctuation dropped (not `-` or `_`), spaces to `-`. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The visible text of a heading's markdown: code marks, link targets, emphasis and tags removed. */
function headingText(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\*+/g, '')
    .trim();
}

interface Heading {
  readonly text: string;
  readonly line: number;
}

function headings(md: string): Heading[] {
  const out: Heading[] = [];
  // Inline code is part of a heading's text, so only code blocks are removed here.
  blankFences(md).split('\n').forEach((line, i) => {
    const m = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (m) out.push({ text: headingText(m[1]!), line: i + 1 });
  });
  return out;
}

/** Every anchor of a markdown file: heading slugs (repeats get -1, -2, ...) and explicit HTML ids. */
function anchors(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const h of headings(md)) {
    const base = slug(h.text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of proseOnly(md).matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (file: string) => anchorCache.get(file) ?? anchorCache.set(file, anchors(read(file))).get(file)!;

interface Link {
  readonly target: string;
  readonly line: number;
}

/** Inline links and images `[text](target "title")` (nested ones too) and reference definitions. */
function links(md: string): Link[] {
  const text = proseOnly(md);
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const out: Link[] = [];
  const inline = /\]\(\s*(<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
  for (const m of text.matchAll(inline)) out.push({ target: m[1]!.replace(/^<|>$/g, ''), line: lineAt(m.index!) });
  for (const m of text.matchAll(/^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)/gm)) {
    out.push({ target: m[1]!.replace(/^<|>$/g, ''), line: lineAt(m.index!) });
  }
  return out;
}

/** Why a link of `file` does not resolve, or null if it does. */
function brokenLink(file: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // http:, https:, mailto:, ...
  if (target === '') return 'empty link target';
  const hash = target.indexOf('#');
  const pathPart = decodeURI(hash >= 0 ? target.slice(0, hash) : target).replace(/\?.*$/, '');
  const anchor = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : null;
  let dest = file;
  if (pathPart !== '') {
    const abs = pathPart.startsWith('/') ? join(ROOT, pathPart) : resolve(ROOT, dirname(file), pathPart);
    const rel = posix(relative(ROOT, abs));
    if (rel === '..' || rel.startsWith('../')) return `${pathPart} points outside the repository`;
    const generated = GENERATED_DOCS.find((g) => rel === g || rel.startsWith(`${g}/`));
    if (generated && !existsSync(join(ROOT, generated))) return null;
    if (!existsSync(abs)) return `${pathPart} does not exist`;
    dest = rel;
  }
  if (anchor === null) return null;
  if (extname(dest) === '.md') {
    return anchorsOf(dest).has(anchor) ? null : `no heading with anchor #${anchor} in ${dest}`;
  }
  // GitHub line anchors are the only anchors into other files.
  return /^L\d+(-L\d+)?$/.test(anchor) ? null : `#${anchor} is not a line anchor and ${dest} is not markdown`;
}

const markdownFiles = () => ['README.md', ...filesUnder('docs', (f) => f.endsWith('.md'))];

// ---------------------------------------------------------------------------------------------
// Comments in code

interface Comment {
  readonly line: number;
  readonly text: string;
}

/** Per-line text of a comment that starts on `line` (so a citation reports its own line). */
function commentLines(text: string, line: number): Comment[] {
  return text.split('\n').map((t, i) => ({ line: line + i, text: t }));
}

const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * Comments of C-like source (TS, JS, AssemblyScript; WGSL with `nestedBlocks` and no strings):
 * strings, template literals (with nested `${}` code) and regex literals are skipped, so a `//`
 * inside them is not a comment.
 */
function cComments(src: string, opts: { nestedBlocks?: boolean; strings?: boolean } = {}): Comment[] {
  const strings = opts.strings ?? true;
  const out: Comment[] = [];
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (; i < to; i++) if (src[i] === '\n') line++;
  };

  // Scans code up to the end, or (inTemplate) to the `}` closing a template's `${`.
  const scanCode = (inTemplate: boolean): void => {
    let depth = 0;
    let last = ''; // the last significant token: '' at the start, 'w' a word, or a punctuator
    let word = '';
    while (i < src.length) {
      const c = src[i]!;
      const next = src[i + 1];
      if (c === '/' && next === '/') {
        const end = src.indexOf('\n', i);
        const stop = end < 0 ? src.length : end;
        out.push({ line, text: src.slice(i + 2, stop) });
        advance(stop);
        continue;
      }
      if (c === '/' && next === '*') {
        const start = line;
        let j = i + 2;
        let nest = 1;
        while (j < src.length && nest > 0) {
          if (src[j] === '*' && src[j + 1] === '/') (nest--, (j += 2));
          else if (opts.nestedBlocks && src[j] === '/' && src[j + 1] === '*') (nest++, (j += 2));
          else j++;
        }
        out.push(...commentLines(src.slice(i + 2, nest === 0 ? j - 2 : j), start));
        advance(j);
        continue;
      }
      if (strings && (c === '"' || c === "'")) {
        let j = i + 1;
        while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
        advance(j + 1);
        last = '"';
        continue;
      }
      if (strings && c === '`') {
        advance(i + 1);
        scanTemplate();
        last = '"';
        continue;
      }
      if (strings && c === '/' && (last === '' || (last !== 'w' && !/[)\]"]/.test(last)) || (last === 'w' && REGEX_AFTER_WORD.has(word)))) {
        const end = regexEnd(i);
        if (end > 0) {
          advance(end);
          last = '"';
          continue;
        }
      }
      if (/[\w$]/.test(c)) {
        let j = i;
        while (j < src.length && /[\w$]/.test(src[j]!)) j++;
        word = src.slice(i, j);
        last = 'w';
        advance(j);
        continue;
      }
      if (c === '{') depth++;
      if (c === '}') {
        if (inTemplate && depth === 0) {
          advance(i + 1);
          return;
        }
        depth--;
      }
      if (!/\s/.test(c)) last = c;
      advance(i + 1);
    }
  };

  // Scans a template literal's text after its opening backtick, through the closing one.
  const scanTemplate = (): void => {
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') advance(i + 2);
      else if (c === '`') return advance(i + 1);
      else if (c === '$' && src[i + 1] === '{') {
        advance(i + 2);
        scanCode(true);
      } else advance(i + 1);
    }
  };

  // The end of a regex literal starting at `start`, or -1 if it is not one (no closing `/` on the line).
  const regexEnd = (start: number): number => {
    let j = start + 1;
    let inClass = false;
    for (; j < src.length && src[j] !== '\n'; j++) {
      const c = src[j]!;
      if (c === '\\') j++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) {
        j++;
        while (j < src.length && /[a-z]/i.test(src[j]!)) j++;
        return j;
      }
    }
    return -1;
  };

  scanCode(false);
  return out;
}

/** `#` comments of shell or Python source; quoted text (Python: triple quotes too) is skipped. */
function hashComments(src: string, lang: 'sh' | 'py'): Comment[] {
  const out: Comment[] = [];
  let quote: string | null = null; // the open quote; shell quotes and Python triple quotes span lines
  src.split('\n').forEach((text, n) => {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quote !== null) {
        if (c === '\\' && (lang === 'py' || quote !== "'")) i++; // shell single quotes have no escapes
        else if (text.startsWith(quote, i)) {
          i += quote.length - 1;
          quote = null;
        }
      } else if (c === '\\') i++;
      else if (lang === 'py' && (text.startsWith('"""', i) || text.startsWith("'''", i))) {
        quote = text.slice(i, i + 3);
        i += 2;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (lang === 'py' || i === 0 || /[\s;|&(]/.test(text[i - 1]!))) {
        out.push({ line: n + 1, text: text.slice(i + 1) });
        break;
      }
    }
    if (lang === 'py' && quote?.length === 1) quote = null; // a short Python string cannot span lines
  });
  return out;
}

/** How the comments of a file are found, by extension; null for files that are not scanned. */
function commentKind(file: string): 'c' | 'wgsl' | 'sh' | 'py' | null {
  if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(file)) return 'c';
  if (file.endsWith('.wgsl')) return 'wgsl';
  if (file.endsWith('.sh')) return 'sh';
  if (file.endsWith('.py')) return 'py';
  return null;
}

function commentsOf(file: string): Comment[] {
  const src = read(file);
  const kind = commentKind(file);
  if (kind === 'c') return cComments(src);
  if (kind === 'wgsl') return cComments(src, { nestedBlocks: true, strings: false });
  return kind ? hashComments(src, kind) : [];
}

// ---------------------------------------------------------------------------------------------
// Rule ids

/** The rule ids docs/semantics.md defines: headings that start `<id> —`. */
function definedIds(md: string): string[] {
  return headings(md)
    .map((h) => /^([A-Z]{1,2}\d{1,2}) [—–-] /.exec(h.text)?.[1])
    .filter((id): id is string => id !== undefined);
}

const familyOf = (id: string) => id.replace(/\d+$/, '');

/**
 * Rule ids cited in `text`, ranges (`G1–G5`, `G1-G5`, `G1–5`) expanded, for the given id families
 * only (so `V8`, `T0` or `H200` are not citations). An id must stand alone: `P2P` or `0xF1` are not.
 */
function citedIds(text: string, families: readonly string[]): { id: string; error?: string }[] {
  if (families.length === 0) return [];
  const fam = [...families].sort((a, b) => b.length - a.length).join('|');
  const re = new RegExp(`(?<![\\w$])(${fam})(\\d{1,2})(?:\\s*[–—-]\\s*(?:\\1)?(\\d{1,2}))?(?![\\w$])`, 'g');
  const out: { id: string; error?: string }[] = [];
  for (const m of text.matchAll(re)) {
    const [, prefix, from, to] = m as unknown as [string, string, string, string | undefined];
    if (to === undefined) {
      out.push({ id: prefix + Number(from) });
      continue;
    }
    if (Number(to) < Number(from)) out.push({ id: m[0], error: `range ${m[0]} runs backwards` });
    for (let k = Number(from); k <= Number(to); k++) out.push({ id: prefix + k });
  }
  return out;
}

/** A comment that sends the reader to the oracle notes outside the repository for a rule. */
function citesOracleNotes(text: string, families: readonly string[]): boolean {
  const ids = families.join('|');
  return (
    /\boracle\s+(README|notes?)\b/i.test(text) ||
    /shared\/oracle\/README/i.test(text) ||
    new RegExp(`\\boracle(?:'s)?[\\s,(]+(?:§|(?:${ids})\\d{1,2}\\b)`, 'i').test(text) ||
    /\bREADME\s*§/.test(text)
  );
}

/** Every code file whose comments are checked (this file excluded: its examples are on purpose). */
function codeFiles(): string[] {
  return CODE_DIRS.flatMap((d) => filesUnder(d, (f) => f !== THIS_FILE && commentKind(f) !== null));
}

const semantics = () => read(SEMANTICS);
const families = () => [...new Set(definedIds(semantics()).map(familyOf))];

// ---------------------------------------------------------------------------------------------
// The scanners themselves

test('slug: GitHub anchors of headings', () => {
  assert.is(slug('C5 — accuracy is strictly above the threshold'), 'c5--accuracy-is-strictly-above-the-threshold');
  assert.is(slug(headingText('C4 — the `min_sparsity` filter')), 'c4--the-min_sparsity-filter');
  assert.is(slug(headingText('MNIST 0-vs-1: the paper\'s larger model')), 'mnist-0-vs-1-the-papers-larger-model');
  assert.is(slug(headingText('Runner (`mi-ident run`, `src/experiment/`)')), 'runner-mi-ident-run-srcexperiment');
  assert.is(slug(headingText('P1 — main.py needs a GPU as written')), 'p1--mainpy-needs-a-gpu-as-written');
  const md = '# A\n```\n# not a heading\n```\n## A\n### Tests, benchmarks, CI\n<a id="here"></a>';
  assert.equal([...anchors(md)].sort(), ['a', 'a-1', 'here', 'tests-benchmarks-ci']);
});

test('links: inline, nested image links, titles, references; code is not prose', () => {
  const md = [
    '[a](x.md) and [![img](docs/p.png)](docs/p.png "title")',
    '`[not](code.md)` and [b](<with space.md>) [c](#local) [d](https://example.org)',
    '```',
    '[nor](this.md)',
    '```',
    '[ref]: ../y.md#part',
  ].join('\n');
  assert.equal(links(md), [
    { target: 'x.md', line: 1 },
    { target: 'docs/p.png', line: 1 },
    { target: 'docs/p.png', line: 1 },
    { target: 'with space.md', line: 2 },
    { target: '#local', line: 2 },
    { target: 'https://example.org', line: 2 },
    { target: '../y.md#part', line: 6 },
  ]);
  assert.is(brokenLink('README.md', 'https://example.org/missing'), null);
  assert.is(brokenLink('README.md', 'docs/semantics.md'), null);
  assert.ok(brokenLink('README.md', '../shared/oracle/README.md')?.includes('outside'));
  assert.ok(brokenLink('README.md', 'docs/nothing-here.md')?.includes('does not exist'));
  // The generated API reference: ignored by git; its links are checked only once it is built.
  assert.ok(read('.gitignore').split('\n').includes('/docs/api/'));
  if (existsSync(join(ROOT, 'docs/api'))) assert.ok(brokenLink('README.md', 'docs/api/no-such-page.html')?.includes('does not exist'));
  else assert.is(brokenLink('README.md', 'docs/api/index.html'), null);
  assert.ok(brokenLink(SEMANTICS, '#no-such-heading')?.includes('no heading'));
  assert.is(brokenLink(SEMANTICS, '#c5--accuracy-is-strictly-above-the-threshold'), null);
});

test('comments: strings, templates and regex literals are not comments', () => {
  const ts = [
    "const a = '// G9 in a string'; // C1 cited",
    'const t = `x ${ {k: "/* G8 */"}.k } // not a comment either`; /* G2',
    ' * G3 on a star line */',
    'const r = /["\'`]\\/\\//g.test(s) ? 1 : 2 / 3; // M4',
    'const u = `${a}` /* N1 */;',
  ].join('\n');
  assert.equal(cComments(ts), [
    { line: 1, text: ' C1 cited' },
    { line: 2, text: ' G2' },
    { line: 3, text: ' * G3 on a star line ' },
    { line: 4, text: ' M4' },
    { line: 5, text: ' N1 ' },
  ]);
  assert.equal(cComments('/* a /* nested */ G5 */ x // G4', { nestedBlocks: true, strings: false }), [
    { line: 1, text: ' a /* nested */ G5 ' },
    { line: 1, text: ' G4' },
  ]);
  assert.equal(hashComments('#!/bin/sh\necho "# no" \'# no\' ${#x} # P2\n', 'sh'), [
    { line: 1, text: '!/bin/sh' },
    { line: 2, text: ' P2' },
  ]);
  assert.equal(hashComments('"""doc # no\n# still doc"""\nx = "#" # C3\n', 'py'), [{ line: 3, text: ' C3' }]);
});

test('citations: ids, ranges and lists of the defined families only', () => {
  const fams = ['C', 'G', 'M', 'N', 'P'];
  const ids = (t: string) => citedIds(t, fams).map((c) => c.id);
  assert.equal(ids('(oracle README G1–G5)'), ['G1', 'G2', 'G3', 'G4', 'G5']);
  assert.equal(ids('C1-C3, (C4, C5) and M1–3'), ['C1', 'C2', 'C3', 'C4', 'C5', 'M1', 'M2', 'M3']);
  assert.equal(ids("V8's longest string, xz -T0, H200, P2P, 0xC1, C12x, G1."), ['G1']);
  assert.ok(citedIds('G5–G1', fams)[0]?.error?.includes('backwards'));
  assert.ok(citesOracleNotes('(oracle README §3, M1–M7)', fams));
  assert.ok(citesOracleNotes('masked forward pass (oracle N2, N3)', fams));
  assert.ok(citesOracleNotes('the oracle notes G1', fams));
  assert.not.ok(citesOracleNotes('against the oracle fixtures; the oracle\'s export form', fams));
  assert.not.ok(citesOracleNotes('copies the oracle results from ../shared/oracle', fams));
});

// ---------------------------------------------------------------------------------------------
// The repository

test('docs/semantics.md: ids are unique, one family letter each, and its families are known', () => {
  const ids = definedIds(semantics());
  assert.ok(ids.length > 40, `only ${ids.length} rule headings found`);
  const repeats = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.equal(repeats, [], `ids defined twice: ${repeats.join(', ')}`);
  for (const f of ['N', 'C', 'G', 'F', 'M', 'P']) assert.ok(families().includes(f), `family ${f} missing`);
});

test('every relative link and anchor in README.md and docs/ resolves', () => {
  const problems: string[] = [];
  for (const file of markdownFiles()) {
    for (const l of links(read(file))) {
      const why = brokenLink(file, l.target);
      if (why) problems.push(`${file}:${l.line}: (${l.target}) ${why}`);
    }
  }
  assert.ok(problems.length === 0, `broken links:\n${problems.join('\n')}`);
});

test('every rule id cited in a code comment has an entry in docs/semantics.md', () => {
  const defined = new Set(definedIds(semantics()));
  const fams = families();
  const problems: string[] = [];
  let citations = 0;
  for (const file of codeFiles()) {
    for (const c of commentsOf(file)) {
      for (const cite of citedIds(c.text, fams)) {
        citations++;
        if (cite.error) problems.push(`${file}:${c.line}: ${cite.error}`);
        else if (!defined.has(cite.id)) problems.push(`${file}:${c.line}: ${cite.id} is not defined in ${SEMANTICS}`);
      }
    }
  }
  assert.ok(citations > 50, `only ${citations} citations found: is the comment scanner working?`);
  assert.ok(problems.length === 0, `undefined rule ids:\n${problems.join('\n')}`);
});

test('rule ids cited in README.md and docs/ have an entry in docs/semantics.md', () => {
  const defined = new Set(definedIds(semantics()));
  const fams = families();
  const problems: string[] = [];
  for (const file of markdownFiles()) {
    proseOnly(read(file)).split('\n').forEach((text, i) => {
      for (const cite of citedIds(text, fams)) {
        if (cite.error || !defined.has(cite.id)) problems.push(`${file}:${i + 1}: ${cite.error ?? `${cite.id} is not defined`}`);
      }
    });
  }
  assert.ok(problems.length === 0, `undefined rule ids:\n${problems.join('\n')}`);
});

test('no code comment cites the oracle notes outside the repository for a rule', () => {
  const fams = families();
  const problems: string[] = [];
  for (const file of codeFiles()) {
    for (const c of commentsOf(file)) {
      if (citesOracleNotes(c.text, fams)) problems.push(`${file}:${c.line}: ${c.text.trim()} (cite ${SEMANTICS} instead)`);
    }
  }
  assert.ok(problems.length === 0, `comments citing the oracle notes:\n${problems.join('\n')}`);
});

test.run();
