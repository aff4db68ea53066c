// Reads the expected leaks of Go's goroutine leak profile tests straight from Go's source:
// $(go env GOROOT)/src/runtime/goroutineleakprofile_test.go, the table of makeTest/makeFlakyTest
// calls. Each expected leak is a regexp over "<entry function without main.>(<args>) [<wait reason>]",
// the string Go's extractLeaks builds from a leaked goroutine (see that file).

/** One scenario of the table. */
export interface GoScenario {
  /** Name registered by the scenario program (`register("Name", f)`), passed as argv[1]. */
  name: string;
  /** Which test program holds it: the top folder (micro, stress and pattern tests) or goker/. */
  program: 'main' | 'goker';
  /** Table section: microTests, stressTestCases, patternTestCases or gokerTestCases. */
  section: 'micro' | 'stress' | 'pattern' | 'goker';
  /** makeTest (run with GOMAXPROCS=1 by Go's test) rather than makeFlakyTest. */
  simple: boolean;
  /** makeFlakyTest: Go does not require these leaks to occur, only allows them. */
  flaky: boolean;
  /** Regexp sources exactly as written in the table. */
  leaks: string[];
}

const SECTIONS: Array<[marker: string, section: GoScenario['section'], program: GoScenario['program']]> = [
  ['microTests := ', 'micro', 'main'],
  ['stressTestCases := ', 'stress', 'main'],
  ['patternTestCases := ', 'pattern', 'main'],
  ['gokerTestCases := ', 'goker', 'goker'],
];

/** Parse the test file's text. Commented-out lines are ignored (Kubernetes1321 is kept there as a
 *  comment). Throws Error when no scenario is found (the file changed shape). */
export function parseGoTable(src: string): GoScenario[] {
  const text = src
    .split('\n')
    .map((l) => (/^\s*\/\//.test(l) ? '' : l))
    .join('\n');
  const starts = SECTIONS.map(([m, section, program]) => ({ at: text.indexOf(m), section, program })).filter((s) => s.at >= 0);
  const out: GoScenario[] = [];
  const call = /\bmake(Flaky)?Test\(/g;
  for (let m = call.exec(text); m; m = call.exec(text)) {
    const sec = starts.filter((s) => s.at < m!.index).pop();
    if (!sec) continue; // the helper definitions above the table
    const args = readArgs(text, m.index + m[0].length);
    const name = args[0];
    if (name === undefined || !/^"\w+"$/.test(name)) continue;
    out.push({
      name: name.slice(1, -1),
      program: sec.program,
      section: sec.section,
      simple: m[1] === undefined,
      flaky: m[1] !== undefined,
      leaks: args.slice(1).map(unquote),
    });
  }
  if (out.length === 0) throw new Error('no makeTest/makeFlakyTest calls found in the Go test table');
  return out;
}

/** String-literal arguments up to the closing parenthesis (backquoted or double-quoted). */
function readArgs(text: string, from: number): string[] {
  const args: string[] = [];
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ')') break;
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      args.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      args.push(text.slice(i, j + 1));
      i = j + 1;
    } else i++;
  }
  return args;
}

function unquote(lit: string): string {
  if (lit.startsWith('`')) return lit.slice(1, -1);
  return JSON.parse(lit) as string;
}

/** The string Go's extractLeaks builds for a goroutine: entry function without "main.", its
 *  arguments (elided here: every table regexp allows any), the wait reason in brackets. */
export function leakString(entryFunc: string, reason: string): string {
  const fn = entryFunc.startsWith('main.') ? entryFunc.slice(5) : entryFunc;
  return `${fn}(...) [${reason}]`;
}
