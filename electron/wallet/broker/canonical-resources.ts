/**
 * The canonical form (canonicalResource) of the server URLs agents ask for, remembered: an agent
 * asks for the same server again and again, and parsing its URL every time is a good part of what
 * a cached hand-out costs. Only URLs that passed are remembered (one refused is parsed, and
 * refused, each time); a change of the policy forgets them all, and so does reaching `max`.
 */
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';

const DEFAULT_MAX = 256;

export class CanonicalResources {
  private readonly known = new Map<string, string>();
  private allowInsecureLoopback: boolean;

  constructor(
    private readonly policy: UrlPolicy,
    private readonly max = DEFAULT_MAX,
  ) {
    this.allowInsecureLoopback = policy.allowInsecureLoopback;
  }

  /** canonicalResource(input, policy): the same answer, or the same error. */
  of(input: string): string {
    if (this.policy.allowInsecureLoopback !== this.allowInsecureLoopback) {
      this.known.clear();
      this.allowInsecureLoopback = this.policy.allowInsecureLoopback;
    }
    const known = this.known.get(input);
    if (known !== undefined) return known;
    const canonical = canonicalResource(input, this.policy);
    if (this.known.size >= this.max) this.known.clear();
    this.known.set(input, canonical);
    return canonical;
  }
}
