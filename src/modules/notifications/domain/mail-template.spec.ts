import { describe, expect, it } from 'vitest';
import { TemplateError, escapeHtml, renderMail, renderPart } from './mail-template.js';

describe('mail templates', () => {
  it('substitutes values, and escapes them only where asked (the HTML part)', () => {
    expect(renderPart('Hello {{ name }}!', { name: 'Kim <b>&</b>' })).toBe('Hello Kim <b>&</b>!');
    expect(renderPart('<p>{{name}}</p>', { name: `<script>"x"&'y'</script>` }, escapeHtml)).toBe('<p>&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;</p>');
  });

  it('shows a {{#section}} for truthy values and a {{^section}} for falsy ones, nested', () => {
    const template = '{{#a}}A{{#b}}B{{/b}}{{^b}}not B{{/b}}{{/a}}{{^a}}not A{{/a}}';
    expect(renderPart(template, { a: true, b: 1 })).toBe('AB');
    expect(renderPart(template, { a: 'yes', b: 0 })).toBe('Anot B');
    expect(renderPart(template, { a: null, b: true })).toBe('not A');
  });

  it('refuses a name without a value, and sections that do not close', () => {
    expect(() => renderPart('Hi {{nmae}}', { name: 'x' })).toThrow(TemplateError);
    expect(() => renderPart('{{#a}}x', { a: true })).toThrow(/never closed/);
    expect(() => renderPart('{{#a}}x{{/b}}', { a: true, b: true })).toThrow(/closes/);
  });

  it('renders the subject as one line, so no value can add a header', () => {
    const mail = renderMail({ subject: 'About {{name}}\n', text: '{{name}}', html: '{{name}}' }, { name: 'x\r\nBcc: someone@example.com' });
    expect(mail.subject).toBe('About x Bcc: someone@example.com');
    expect(mail.text).toBe('x Bcc: someone@example.com');
  });

  it('strips control characters and line breaks from values in every part, not from the template', () => {
    const mail = renderMail({ subject: '{{name}}', text: 'Hi {{name}},\n\nbye', html: '<p>{{name}}</p>\n' }, { name: 'Kim\n\nClick http://evil.example\u0000\u001b[31m\u2028x' });
    expect(mail.subject).toBe('Kim Click http://evil.example [31m x');
    expect(mail.text).toBe('Hi Kim Click http://evil.example [31m x,\n\nbye');
    expect(mail.html).toBe('<p>Kim Click http://evil.example [31m x</p>\n');
  });
});
