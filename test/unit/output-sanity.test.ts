import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { outOptionProblem } from '../../src/cli/output-sanity.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

it("refuses output folders that cannot be fleet's own, as usage errors", () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fleet-out-sanity-'));
  folders.push(cwd);
  const problem = (out: string, spec?: string) => outOptionProblem(out, spec, cwd)?.message;
  expect(problem('')).toBe('the output folder is empty (`--out ""`)');
  expect(problem('/')).toBe('the output folder `/` is the root of the file system');
  expect(problem('.')).toBe('the output folder `.` is the working directory');
  expect(problem('..')).toBe('the output folder `..` holds the working directory');
  mkdirSync(join(cwd, 'repo/.git'), { recursive: true });
  expect(problem('repo')).toBe('the output folder `repo` is the root of a git repository (it holds .git)');
  writeFileSync(join(cwd, 'a-file'), 'x\n');
  expect(problem('a-file')).toMatch(/is a file: fleet writes only into a real folder/);
  expect(problem('a-file/out')).toBe('the output folder `a-file/out` is below a file');
  symlinkSync(join(cwd, 'nowhere'), join(cwd, 'dangling'));
  expect(problem('dangling')).toMatch(/is a symbolic link to nothing/);
  mkdirSync(join(cwd, 'plain'));
  symlinkSync(join(cwd, 'plain'), join(cwd, 'to-a-folder'));
  expect(problem('to-a-folder')).toMatch(/is a symbolic link: fleet writes only into a real folder/);
  // Inside the spec folder: only where it would swallow spec files.
  mkdirSync(join(cwd, 'policies/team'), { recursive: true });
  writeFileSync(join(cwd, 'policies/team/apps.yaml'), 'apps: []\n');
  expect(problem('policies/team', 'policies')).toBe('the output folder `policies/team` is inside the spec folder and holds spec files (policies/team/apps.yaml): they would no longer be read as spec');
  expect(problem('policies/out', 'policies')).toBeUndefined();
  expect(problem('out')).toBeUndefined();
  expect(outOptionProblem('x', undefined, cwd)?.kind ?? 'usage').toBe('usage');
});
