import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import type { Io } from '../../src/cli/io.js';
import { defaultOutDir, outputFolderProblem } from '../../src/cli/output-location.js';
import { workflowCommand } from '../../src/cli/reporter.js';
import { colorDiagnostics, colorOnStderr, Progress } from '../../src/cli/style.js';

const ioWith = (errIsTTY: boolean, env: NodeJS.ProcessEnv, printed: string[] = []): Io => ({ out: () => {}, err: (t) => void printed.push(t), terminal: { errIsTTY, env } });

describe("where a spec's output lives", () => {
  it('is out/ beside the spec', () => {
    expect(defaultOutDir('policies', '/repo')).toBe('out');
    expect(defaultOutDir('policies/', '/repo')).toBe('out');
    expect(defaultOutDir('examples/canary/fleet-spec.yaml', '/repo')).toBe('examples/canary/out');
    expect(defaultOutDir('examples/team-folders/spec', '/repo')).toBe('examples/team-folders/out');
    expect(defaultOutDir('/elsewhere/fleet/spec.yaml', '/repo')).toBe('/elsewhere/fleet/out');
    // The working directory as the spec keeps its output inside, not in the parent folder.
    expect(defaultOutDir('.', '/repo')).toBe('out');
  });

  it('refuses an output folder that is the spec folder or holds the spec, and allows one inside it', () => {
    expect(outputFolderProblem('mesh3', 'mesh3', '/repo')?.code).toBe('emit_out_holds_spec');
    expect(outputFolderProblem('mesh3/', '.', '/repo')?.code).toBe('emit_out_holds_spec');
    expect(outputFolderProblem('mesh3/spec.yaml', 'mesh3', '/repo')?.code).toBe('emit_out_holds_spec');
    expect(outputFolderProblem('mesh3', 'mesh3/out', '/repo')).toBeUndefined();
    expect(outputFolderProblem('mesh3', 'mesh30', '/repo')).toBeUndefined();
    expect(outputFolderProblem('policies', 'out', '/repo')).toBeUndefined();
  });
});

describe('GitHub Actions annotations', () => {
  it('escape what the runner would parse, as actions/toolkit does', () => {
    const diagnostic: Diagnostic = {
      code: 'schema_unknown_field',
      severity: 'error',
      message: 'unknown field `a` in 100%, b: c',
      span: { file: 'p/a,b:c.yaml', start: { line: 3, col: 5 }, end: { line: 3, col: 9 }, offset: [0, 4] },
      help: ['did you mean `b`?'],
    };
    expect(workflowCommand(diagnostic)).toBe('::error file=p/a%2Cb%3Ac.yaml,line=3,col=5,endLine=3,endColumn=9,title=schema_unknown_field::unknown field `a` in 100%25, b: c%0Ahelp: did you mean `b`?\n');
    expect(workflowCommand({ code: 'spec_not_found', severity: 'warning', message: 'm' })).toBe('::warning title=spec_not_found::m\n');
  });
});

describe('colour', () => {
  it('is on for a terminal, off with NO_COLOR, forced with FORCE_COLOR, off without a terminal', () => {
    expect(colorOnStderr(ioWith(true, {}))).toBe(true);
    expect(colorOnStderr(ioWith(true, { NO_COLOR: '1' }))).toBe(false);
    expect(colorOnStderr(ioWith(true, { NO_COLOR: '' }))).toBe(true);
    expect(colorOnStderr(ioWith(true, { TERM: 'dumb' }))).toBe(false);
    expect(colorOnStderr(ioWith(false, {}))).toBe(false);
    expect(colorOnStderr(ioWith(false, { FORCE_COLOR: '1' }))).toBe(true);
    expect(colorOnStderr(ioWith(true, { FORCE_COLOR: '0' }))).toBe(false);
    expect(colorOnStderr({ out: () => {}, err: () => {} })).toBe(false);
  });

  it('only adds escape codes: without them the text is the plain text', () => {
    const text = formatDiagnostics(
      [
        {
          code: 'schema_unknown_field',
          severity: 'error',
          message: 'unknown field `replica`',
          span: { file: 'f.yaml', start: { line: 1, col: 1 }, end: { line: 1, col: 8 }, offset: [0, 7] },
          help: ['did you mean `replicas`?'],
        },
        { code: 'traffic_open_to_all', severity: 'warning', message: 'w' },
      ],
      new Map([['f.yaml', 'replica: 3\n']]),
    );
    const colored = colorDiagnostics(text);
    expect(colored).not.toBe(text);
    expect(colored).toContain('\x1b[1;31merror schema_unknown_field\x1b[0m');
    expect(colored).toContain('\x1b[1;33mwarning traffic_open_to_all\x1b[0m');
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(text);
  });
});

describe('progress', () => {
  it('shows a step only on a terminal, once the work ran 2 s or is known to be long, and clears it', () => {
    let now = 0;
    const printed: string[] = [];
    const progress = new Progress(ioWith(true, {}, printed), true, () => now);
    progress.step('reading');
    expect(printed).toEqual([]);
    now = 2500;
    progress.step('writing out/');
    expect(printed).toEqual(['\r\x1b[2Kfleet: writing out/…']);
    progress.done();
    expect(printed.at(-1)).toBe('\r\x1b[2K');

    const off: string[] = [];
    const quiet = new Progress(ioWith(true, {}, off), false, () => now);
    quiet.step('compiling', { long: true });
    quiet.done();
    expect(off).toEqual([]);
    const long = new Progress(ioWith(true, {}, off), true, () => 0);
    long.step('compiling', { long: true });
    expect(off).toEqual(['\r\x1b[2Kfleet: compiling…']);
  });
});
