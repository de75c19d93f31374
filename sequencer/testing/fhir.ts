/**
 * Fixtures and accounts for the FHIR tests (tests only). Fixture files are real-shaped R4 resources in
 * sequencer/fhir/fixtures; addresses are Hardhat's well-known development accounts.
 */
import { readFileSync } from "node:fs";
import type { Address } from "viem";
import { FhirError, type FhirErrorCode } from "../fhir/errors.js";

export const PATIENT: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const HOSPITAL: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const GUARDIAN: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const LAB: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

/** 2026-01-15T00:00:00Z: the tests' "now". */
export const NOW = 1_768_435_200;

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fhir/fixtures/${name}.json`, import.meta.url), "utf8");
}

/** A fresh parsed copy, safe to mutate in a test. */
export function fixture(name: string): Record<string, any> {
  return JSON.parse(fixtureText(name)) as Record<string, any>;
}

/** The FhirError `run` throws (failing the test when it throws nothing or something else). */
export function fhirErrorOf(run: () => unknown): FhirError {
  try {
    run();
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw new Error(`expected a FhirError, got ${String(e)}`);
  }
  throw new Error("expected a FhirError, nothing was thrown");
}

/** Assert-style helper: the code and (when given) the path of the error `run` throws. */
export function expectFhirError(run: () => unknown, code: FhirErrorCode, path?: string): FhirError {
  const e = fhirErrorOf(run);
  if (e.code !== code || (path !== undefined && e.path !== path)) {
    throw new Error(`expected ${code}${path === undefined ? "" : ` at ${path}`}, got ${e.code} at ${e.path}: ${e.message}`);
  }
  return e;
}
