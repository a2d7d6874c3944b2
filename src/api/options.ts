/**
 * The recognizer's options checked in one place, for Node, the browser and every command that builds a
 * recognizer: a wrong value fails at once with an `OptionError` naming the option and what it accepts,
 * instead of a strange result (a negative prior weight turned sad faces into contempt) or an internal
 * error later. Browser-safe.
 */

import { SHIPPED_MODELS } from '../infer/shipped-models.js';
import { RanferError } from '../util/errors.js';

/** A recognizer option with a value it does not accept. `code` is `RANFER_BAD_OPTION`. */
export class OptionError extends RanferError {
  override name = 'OptionError';
  constructor(
    /** The option's name, as in the config object. */
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`, 'RANFER_BAD_OPTION');
  }
}

type Rule = (value: unknown) => string | undefined;

const oneOf =
  (...allowed: readonly unknown[]): Rule =>
  (v) =>
    allowed.includes(v) ? undefined : `expected ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${show(v)}`;
const number =
  (min: number, max = Number.POSITIVE_INFINITY, what = `a number from ${min} to ${max}`): Rule =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
      ? undefined
      : `expected ${what}, got ${show(v)}`;
const wholeNumber =
  (min: number): Rule =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min
      ? undefined
      : `expected a whole number of ${min} or more, got ${show(v)}`;
const boolean: Rule = (v) => (typeof v === 'boolean' ? undefined : `expected true or false, got ${show(v)}`);

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** The options every recognizer shares (the backends differ between Node and the browser). */
const RULES: Record<string, Rule> = {
  model: oneOf(...Object.keys(SHIPPED_MODELS)),
  detector: oneOf('tiny', 'ssd'),
  minConfidence: number(0, 1),
  tinyInputSize: (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 32 && v % 32 === 0
      ? undefined
      : `expected a multiple of 32, got ${show(v)}`,
  maxFaces: wholeNumber(1),
  faces: oneOf('detect', 'crop'),
  retryBorder: number(0, Number.POSITIVE_INFINITY, 'a number of 0 or more'),
  tileSize: (v) => (v === 'auto' ? undefined : wholeNumber(0)(v)),
  regions: oneOf('fixed', 'landmarks'),
  flipTta: boolean,
  rotations: boolean,
  priorWeight: number(0, Number.POSITIVE_INFINITY, 'a number of 0 or more'),
  faceApiWeight: number(0, 1),
  maxSide: wholeNumber(1),
  maxPixels: wholeNumber(1),
};

/** Throws an `OptionError` for the first option of `config` that is set to a value it does not accept. */
export function checkRecognizerOptions(config: object, backends: readonly string[]): void {
  if (config === null || typeof config !== 'object')
    throw new OptionError('config', `expected an object of options, got ${show(config)}`);
  const rules: Record<string, Rule> = { ...RULES, backend: oneOf(...backends) };
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const problem = rules[key]?.(value);
    if (problem) throw new OptionError(key, problem);
  }
  const own = config as { model?: unknown; modelDir?: unknown; modelUrl?: unknown };
  const folders =
    own.modelDir !== undefined ? 'modelDir' : own.modelUrl !== undefined ? 'modelUrl' : undefined;
  if (own.model !== undefined && folders)
    throw new OptionError('model', `names a shipped model; ${folders} names others: give one of them`);
}
