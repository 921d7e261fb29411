// JUnit XML for chaos runs (CI test reporters read it): one <testcase> per seed, a
// <failure> naming the violated properties and the first explanation; and a merge that puts
// several shards' suites under one <testsuites> root.

export interface JunitCase {
  readonly name: string;
  readonly classname: string;
  readonly timeMs: number;
  readonly failure?: {
    /** One line: the violated properties and the first explanation. */
    readonly message: string;
    readonly type: string;
    /** The full explanation (element text). */
    readonly body: string;
  };
}

export interface JunitSuite {
  readonly name: string;
  readonly cases: readonly JunitCase[];
  readonly timeMs: number;
  /** Extra <properties> (seed range, variant, shard…). */
  readonly properties?: Readonly<Record<string, string | number>>;
}

export function renderJunit(suites: readonly JunitSuite[]): string {
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => c.failure !== undefined).length, 0);
  const timeMs = suites.reduce((n, s) => n + s.timeMs, 0);
  const body = suites.map(renderSuite).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="syncstorm chaos" tests="${tests}" failures="${failures}" errors="0" time="${seconds(timeMs)}">\n${body}</testsuites>\n`;
}

function renderSuite(suite: JunitSuite): string {
  const failures = suite.cases.filter((c) => c.failure !== undefined).length;
  const lines = [`  <testsuite name="${xmlAttr(suite.name)}" tests="${suite.cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(suite.timeMs)}">\n`];
  const properties = Object.entries(suite.properties ?? {});
  if (properties.length > 0) {
    lines.push('    <properties>\n');
    for (const [name, value] of properties) lines.push(`      <property name="${xmlAttr(name)}" value="${xmlAttr(String(value))}"/>\n`);
    lines.push('    </properties>\n');
  }
  for (const c of suite.cases) lines.push(renderCase(c));
  lines.push('  </testsuite>\n');
  return lines.join('');
}

function renderCase(c: JunitCase): string {
  const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="${seconds(c.timeMs)}"`;
  if (c.failure === undefined) return `${open}/>\n`;
  const f = c.failure;
  return `${open}>\n      <failure message="${xmlAttr(f.message)}" type="${xmlAttr(f.type)}">${xmlText(f.body)}</failure>\n    </testcase>\n`;
}

/** Several junit.xml documents (from renderJunit) as one: their <testsuite> elements under one root. */
export function mergeJunit(documents: readonly string[]): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let timeS = 0;
  for (const doc of documents) {
    for (const match of doc.matchAll(/<testsuite\b[^>]*>[\s\S]*?<\/testsuite>|<testsuite\b[^>]*\/>/g)) {
      const suite = match[0];
      const head = /<testsuite\b[^>]*>/.exec(suite)![0];
      tests += attrNumber(head, 'tests');
      failures += attrNumber(head, 'failures');
      timeS += attrNumber(head, 'time');
      suites.push(`  ${suite}\n`);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="syncstorm chaos" tests="${tests}" failures="${failures}" errors="0" time="${timeS.toFixed(3)}">\n${suites.join('')}</testsuites>\n`;
}

function attrNumber(tag: string, name: string): number {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  const value = match === null ? 0 : Number(match[1]);
  return Number.isFinite(value) ? value : 0;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** XML 1.0 forbids most control characters even escaped; they are dropped. */
function stripInvalid(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

export function xmlText(text: string): string {
  return stripInvalid(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
