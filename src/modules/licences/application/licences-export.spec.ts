import { describe, expect, it } from 'vitest';
import { escapeXml } from './licences-export.js';

describe('licences export XML text', () => {
  it('drops characters XML cannot hold (NUL, other C0 controls, lone surrogates, U+FFFF) and escapes the rest', () => {
    expect(escapeXml('A\u0000B\u0007C\uFFFF\uD800D')).toBe('ABCD');
    expect(escapeXml('tab\there\r\nok <&> "\' é 😀')).toBe('tab\there\r\nok &lt;&amp;&gt; &quot;&apos; é 😀');
  });
});
