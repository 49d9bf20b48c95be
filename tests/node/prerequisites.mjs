// prerequisites.mjs - what a test file needs beyond Node and the engine it tests (Chromium, a
// build, fake-indexeddb, tsc, wasm-objdump, a data file). Outside CI a missing prerequisite skips
// the tests that need it, with a message that says what to install. Under CI=true (which
// build-scripts/test.sh always sets) the same tests FAIL with that message instead: a skipped
// test has checked nothing, so a run that skips must not look green.
// Not a test file itself (node --test picks only *.test.mjs).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe as nodeDescribe, test as nodeTest } from 'node:test';

export const strict = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** '' when `command args` runs, else what to install (`install`). */
export function missingCommand(command, args, install) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return '';
  } catch {
    return `${command} is not installed (${install})`;
  }
}

/** '' when `path` exists, else that it is missing and how to make it (`remedy`). */
export function missingFile(path, remedy) {
  return existsSync(path) ? '' : `${path} is missing (${remedy})`;
}

/** The first non-empty reason of `reasons`, or ''. */
export const firstMissing = (...reasons) => reasons.find(Boolean) ?? '';

function failing(missing) {
  return () => {
    throw new Error(`missing prerequisite: ${missing}. CI=true turns a would-be skip into a failure.`);
  };
}

function withoutTimeout(options) {
  const { timeout, ...rest } = options ?? {};
  return rest;
}

/**
 * {test, describe} to declare the tests that need what `missing` describes ('' when nothing is
 * missing): node:test's own when nothing is, else ones that skip (outside CI) or fail (CI=true)
 * each test with the reason. Both take (name, options, fn) or (name, fn).
 */
export function needing(missing) {
  if (!missing) return { test: nodeTest, describe: nodeDescribe };
  const split = (options, fn) => (typeof options === 'function' ? [{}, options] : [options ?? {}, fn]);
  if (!strict) {
    return {
      test: (name, options, fn) => nodeTest(name, { ...split(options, fn)[0], skip: missing }, () => {}),
      describe: (name, options, fn) => nodeDescribe(name, { ...split(options, fn)[0], skip: missing }, () => {}),
    };
  }
  return {
    test: (name, options, fn) => nodeTest(name, withoutTimeout(split(options, fn)[0]), failing(missing)),
    describe: (name, options, fn) => nodeDescribe(name, withoutTimeout(split(options, fn)[0]), () => {
      nodeTest('its prerequisites are present', failing(missing));
    }),
  };
}
