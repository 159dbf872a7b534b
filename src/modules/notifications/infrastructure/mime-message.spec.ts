import { describe, expect, it } from 'vitest';
import { parseMail } from '#libs/runtime/mime.js';
import { buildMimeMessage } from './mime-message.js';

const base = { from: 'Credential Import <no-reply@example.com>', to: 'kim@example.com', messageId: '<d-1@credential-import>', date: new Date('2026-11-30T10:15:00Z') };

describe('buildMimeMessage', () => {
  it('builds a multipart/alternative message a mail parser reads back: headers, text and HTML', () => {
    const text = 'Hallo Kim,\n\nKies je wachtwoord (één keer):\nhttps://x.example/account/set-password?token=a=b\n.\nEinde';
    const html = '<p>Hallo Kim &amp; co</p>\n<p>één</p>';
    const raw = buildMimeMessage({ ...base, subject: 'Je account voor Credential Import', text, html })!;
    const mail = parseMail(raw);
    expect(mail.subject).toBe('Je account voor Credential Import');
    expect(mail.from).toBe('Credential Import <no-reply@example.com>');
    expect(mail.to).toEqual(['kim@example.com']);
    expect(mail.headers['message-id']).toBe('<d-1@credential-import>');
    expect(mail.headers['date']).toBe('Mon, 30 Nov 2026 10:15:00 +0000');
    expect(mail.text!.replace(/\r\n/g, '\n')).toBe(text);
    expect(mail.html!.replace(/\r\n/g, '\n')).toBe(html);
    const source = raw.toString('utf8');
    expect(source.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    expect(source).not.toMatch(/[^\r]\n/);
    expect([...source].every((character) => character.charCodeAt(0) < 128)).toBe(true);
  });

  it('encodes a subject that is not ASCII, and keeps a value from breaking out of its header', () => {
    const mail = parseMail(buildMimeMessage({ ...base, subject: 'Import van überlang — bestand.xlsx: klaar\r\nBcc: x@example.com', text: 't', html: 'h' })!);
    expect(mail.subject).toBe('Import van überlang — bestand.xlsx: klaar Bcc: x@example.com');
    expect(mail.headers['bcc']).toBeUndefined();
  });

  it('quotes or encodes a sender name as needed', () => {
    expect(parseMail(buildMimeMessage({ ...base, from: 'Acme, Inc. <a@example.com>', subject: 's', text: 't', html: 'h' })!).from).toBe('"Acme, Inc." <a@example.com>');
    expect(parseMail(buildMimeMessage({ ...base, from: 'Zoë <a@example.com>', subject: 's', text: 't', html: 'h' })!).from).toBe('Zoë <a@example.com>');
    expect(parseMail(buildMimeMessage({ ...base, from: 'a@example.com', subject: 's', text: 't', html: 'h' })!).from).toBe('a@example.com');
  });

  it('leaves what it does not handle (an address that is not plain ASCII) to nodemailer', () => {
    expect(buildMimeMessage({ ...base, to: 'zoë@example.com', subject: 's', text: 't', html: 'h' })).toBeUndefined();
    expect(buildMimeMessage({ ...base, to: 'kim@exämple.com', subject: 's', text: 't', html: 'h' })).toBeUndefined();
  });
});
