/**
 * The governance state words and conventions (docs/protocol.md section 13): a policy word decodes to the
 * policy it encodes and puts each field at its normative position; a grant's expiry wraps at 2^40; role
 * names and organisation hashes are parsed one way.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Address } from "viem";
import { bigintFromBytes, toHex } from "./bytes.js";
import { keccak256 } from "./hash.js";
import { grantExpiryAt, policyOf, policyWord } from "./keys.js";
import { organisationHash, parseRole, roleName } from "./roles.js";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toHex(b) as Address);

describe("governance state words", () => {
  it("decodes every policy word to the policy it encodes", () => {
    fc.assert(
      fc.property(
        address,
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 0xffff_ffff }),
        fc.integer({ min: 1, max: 0xffff_ffff }),
        (issuer, role, access, categories, duration) => {
          const p = { issuer, role, access, categories, duration };
          expect(policyOf(policyWord(p))).to.deep.equal(p);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("places the fields at issuer << 80 | role << 72 | access << 64 | categories << 32 | duration", () => {
    const w = policyWord({ issuer: `0x${"ff".repeat(20)}`, role: 0xaa, access: 3, categories: 0x0102_0304, duration: 0x0506_0708 });
    expect(bigintFromBytes(w)).to.equal(((1n << 160n) - 1n) * (1n << 80n) + (0xaan << 72n) + (3n << 64n) + (0x0102_0304n << 32n) + 0x0506_0708n);
    expect(policyOf(new Uint8Array(32))).to.equal(null);
  });

  it("computes a grant's expiry as (T + duration) mod 2^40", () => {
    expect(grantExpiryAt(1_800_000_000, 3600)).to.equal(1_800_003_600);
    expect(grantExpiryAt(2 ** 40 - 10, 30)).to.equal(20);
  });
});

describe("role codes and organisation hashes", () => {
  it("reads a role by name or code 1..255 and nothing else", () => {
    expect([parseRole("emergency"), parseRole("Specialist"), parseRole("42"), parseRole("255")]).to.deep.equal([1, 3, 42, 255]);
    for (const bad of ["0", "256", "-1", "1.5", "", "surgeon"]) expect(parseRole(bad), bad).to.equal(null);
    expect([roleName(1), roleName(4), roleName(200)]).to.deep.equal(["emergency", "laboratory", "200"]);
  });

  it("hashes an organisation identifier with keccak256, and takes a 32-byte hex value as the hash", () => {
    expect(organisationHash("urn:oid:1.2.3")).to.equal(toHex(keccak256(new TextEncoder().encode("urn:oid:1.2.3"))));
    const h = `0x${"AB".repeat(32)}`;
    expect(organisationHash(h)).to.equal(h.toLowerCase());
  });
});
