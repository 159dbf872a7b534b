import { DomainError } from '#libs/errors/domain-error.js';
import { registerMessages } from '#libs/i18n/i18n.js';

/** An old Excel workbook (.xls, or any OLE2 compound file): refused at upload, before it is stored. */
export function legacyExcel(fileName: string): DomainError {
  return new DomainError('IMPORTS.LEGACY_XLS', 'unsupported_media_type', { fileName });
}

registerMessages({
  en: {
    'IMPORTS.TYPE_SWITCHED_OFF':
      'The import "{type}" is switched off for you. A platform administrator can switch it on in the platform settings; imports made before stay readable.',
    'IMPORTS.LEGACY_XLS':
      '"{fileName}" is an old Excel 97-2003 workbook (.xls), or a password-protected one, which cannot be imported. Open it in Excel and save it as .xlsx or .csv (File > Save As), without a password.',
    'SPREADSHEET.LEGACY_XLS':
      'The sheet is an old Excel 97-2003 workbook (.xls), or a password-protected one, which cannot be imported. Open it in Excel and save it as .xlsx or .csv (File > Save As), without a password.',
    'IMPORTS.FORMULA_WITHOUT_VALUE':
      '{column} holds a formula whose result was never saved in the file, so its value is unknown. Recalculate and save the file in Excel, or paste the values (Paste Special > Values).',
    'SPREADSHEET.TOO_MANY_MERGED_CELLS': 'The sheet has more than {max} merged ranges. Unmerge the cells (Home > Merge & Center > Unmerge Cells) and upload it again.',
    'IMPORTS.HIDDEN_ROW': 'This row is hidden in the sheet; it was imported like any other row.',
    'IMPORTS.MERGED_CELL':
      'Merged cells in {columns}: only the first cell of a merged range holds its value, so these read empty here. Unmerge the cells and fill in each one if that is not what you meant.',
  },
  nl: {
    'IMPORTS.TYPE_SWITCHED_OFF':
      'De import "{type}" staat voor jou uit. Een platformbeheerder kan hem aanzetten in de platforminstellingen; eerdere imports blijven leesbaar.',
    'IMPORTS.LEGACY_XLS':
      '"{fileName}" is een oude Excel 97-2003-werkmap (.xls), of een werkmap met wachtwoord, en kan niet geïmporteerd worden. Open hem in Excel en sla hem op als .xlsx of .csv (Bestand > Opslaan als), zonder wachtwoord.',
    'SPREADSHEET.LEGACY_XLS':
      'Het blad is een oude Excel 97-2003-werkmap (.xls), of een werkmap met wachtwoord, en kan niet geïmporteerd worden. Open hem in Excel en sla hem op als .xlsx of .csv (Bestand > Opslaan als), zonder wachtwoord.',
    'IMPORTS.FORMULA_WITHOUT_VALUE':
      '{column} bevat een formule waarvan de uitkomst nooit in het bestand is opgeslagen, dus de waarde is onbekend. Laat Excel opnieuw berekenen en sla het bestand op, of plak de waarden (Plakken speciaal > Waarden).',
    'SPREADSHEET.TOO_MANY_MERGED_CELLS': 'Het blad heeft meer dan {max} samengevoegde bereiken. Maak de samenvoeging ongedaan (Start > Samenvoegen en centreren > Samenvoegen ongedaan maken) en upload het opnieuw.',
    'IMPORTS.HIDDEN_ROW': 'Deze rij is verborgen in het blad; ze is geïmporteerd zoals elke andere rij.',
    'IMPORTS.MERGED_CELL':
      'Samengevoegde cellen in {columns}: alleen de eerste cel van een samengevoegd bereik heeft de waarde, dus deze zijn hier leeg. Maak de samenvoeging ongedaan en vul elke cel in als je dat niet bedoelde.',
  },
});
