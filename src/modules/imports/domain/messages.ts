import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: {
    'IMPORTS.IMPORT_NOT_FOUND': 'Import not found.',
    'IMPORTS.TYPE_NOT_FOUND': 'There is no import type "{type}". Available: {available}.',
    'IMPORTS.FILE_REQUIRED': 'Attach the file to import in the form field "file".',
    'IMPORTS.FILE_KIND_NOT_ACCEPTED': 'The {type} import accepts {accepted} files; "{fileName}" is not one of them.',
    'IMPORTS.FILE_TOO_LARGE': 'The file is larger than the limit of {limitMegabytes} MB.',
    'IMPORTS.FILE_EMPTY': 'The uploaded file is empty.',
    'IMPORTS.OPTIONS_INVALID': 'The options are not valid JSON: {reason}',
    'IMPORTS.NOT_CANCELLABLE': 'The import has already ended ({status}); there is nothing to cancel.',
    'IMPORTS.TOO_MANY_STREAMS': 'You already follow {max} event streams. Close one first, or try again in {retryAfterSeconds} seconds.',
    'IMPORTS.NO_FAILED_ROWS': 'The import has no failed rows.',
    'IMPORTS.ROW_STATUS_SUCCEEDED': 'Succeeded',
    'IMPORTS.VERDICT_LIKELY_TO_SUCCEED':
      'The import is likely to succeed: {valid} row(s) can be imported ({warnings} with warnings). This does not necessarily mean the file is perfect or complete, only that nothing major would stop the import. Upload the same file with validateOnly=false (or POST /api/imports/{id}/run) to import it.',
    'IMPORTS.VERDICT_ERRORS_FOUND': 'Errors found: {failed} of {total} row(s) cannot be imported. The results file lists every row with its outcome.',
    'IMPORTS.VERDICT_FILE_REFUSED': 'Errors found: the file was refused as a whole ({reason}).',
    'IMPORTS.ROW_STATUS_FAILED': 'Failed',
    'IMPORTS.ROW_STATUS_SKIPPED': 'Skipped',
    'IMPORTS.ROW_STATUS_VALID': 'Valid (not run yet)',
    'IMPORTS.ALREADY_RUN': 'This validation has already been run for real (import {id}).',
    'IMPORTS.NOT_A_FINISHED_VALIDATION': 'Only a finished validate-only import can be run for real (this one is {status}).',
    'IMPORTS.MISSING_COLUMNS': 'Mandatory column(s) missing: {columns}. Map a column of the file to each of them, or add them to the file (its first row holds: {found}); the template shows the expected headers.',
    'IMPORTS.MISSING_ONE_OF_COLUMNS': 'Map at least one of these columns: {columns} (the first row of the file holds: {found}).',
    'IMPORTS.DUPLICATE_COLUMN': 'Column "{column}" appears twice (again as "{header}"). Keep one.',
    'IMPORTS.MAPPING_UNKNOWN_COLUMN': 'The column mapping sends "{header}" to "{column}", which this import does not have or you may not import. Map "{header}" to one of {available}, or skip it.',
    'IMPORTS.IGNORED_COLUMNS': 'Column(s) not used by this import were ignored: {headers}.',
    'IMPORTS.NO_ROWS': 'The sheet has a header but no rows to import.',
    'IMPORTS.NO_HEADER': 'The sheet is empty: the first row must hold the column headers.',
    'IMPORTS.TOO_MANY_ROWS': 'The file has more than {max} rows. Split it into files of at most {max} rows.',
    'IMPORTS.DUPLICATE_ROW': 'Same as row {row}; skipped.',
    'IMPORTS.SAME_ENTITY_TWICE': 'Row(s) {rows} change the same record; each record may be changed by one row of the file.',
    'IMPORTS.VALUE_TOO_LONG': '{column} is {length} characters long; at most {max} are allowed.',
    'IMPORTS.NOT_A_BOOLEAN': '{column} must be TRUE or FALSE, not "{value}".',
    'IMPORTS.ROW_WRITE_FAILED': 'The row could not be saved (reference {reference}: the technical reason is in the server log). Check its values, or ask an administrator with the reference.',
    'IMPORTS.ROW_ALREADY_SAVED': 'The same record was saved at the same moment by another row or import; skipped.',
    'IMPORTS.UNEXPECTED_ERROR': 'The import stopped on an unexpected error (reference {reference}). Rows already done are kept; start it again to finish.',
    'IMPORTS.FILE_UNREADABLE': 'The file could not be read: {reason}',
    'IMPORTS.UNUSED_FILES': '{count} file(s) in the ZIP are not used by any row: {names}.',
    'IMPORTS.WRAPPING_FOLDER': 'Everything in the ZIP sat in the folder "{folder}"; it was treated as the root. Next time, zip the files themselves.',
    'IMPORTS.IGNORED_SYSTEM_FILES': '{count} operating-system file(s) were ignored (__MACOSX, .DS_Store, ...).',
    'IMPORTS.FILES_IN_SUBFOLDERS': 'Put all files in the root of the ZIP; these are in subfolders: {paths}.',
    'IMPORTS.NO_SPREADSHEET_IN_ZIP': 'The ZIP must hold exactly one spreadsheet (.xlsx or .csv) in its root; it holds none.',
    'IMPORTS.SEVERAL_SPREADSHEETS_IN_ZIP': 'The ZIP must hold exactly one spreadsheet (.xlsx or .csv) in its root; it holds {count}: {names}.',
    'ZIP.CORRUPT': 'The ZIP file is damaged or not a ZIP ({reason}). Create it again and re-upload.',
    'ZIP.TOO_MANY_ENTRIES': 'The ZIP holds {count} entries; at most {max} are allowed.',
    'ZIP.TOO_LARGE_UNCOMPRESSED': 'The ZIP unpacks to more than {maxMegabytes} MB, which is not allowed.',
    'ZIP.SUSPICIOUS_RATIO': '"{path}" unpacks to {ratio} times its packed size, which looks like a ZIP bomb; it was refused.',
    'ZIP.SUSPICIOUS_ARCHIVE_RATIO': 'The {files} files in the ZIP together unpack to {ratio} times their packed size (at most {max} is allowed), which looks like a ZIP bomb; it was refused.',
    'IMPORTS.PENDING_QUOTA_EXCEEDED': 'Your imports that are still running already use {pendingMegabytes} MB of the {quotaMegabytes} MB allowed per user; this file ({fileMegabytes} MB) does not fit. Wait until they finish, or cancel one.',
    'IMPORTS.UPLOAD_EXPIRED': 'The uploaded file of this import was removed after {days} days; upload it again.',
    'ZIP.UNSAFE_PATH': 'The ZIP holds an unsafe path "{path}" (absolute or with ..); it was refused.',
    'ZIP.SYMLINK': 'The ZIP holds a symbolic link "{path}", which is not allowed.',
    'ZIP.ENCRYPTED': '"{path}" in the ZIP is password-protected. Zip the files without a password.',
    'SPREADSHEET.NOT_XLSX': 'The file is not an Excel workbook (.xlsx). Save it as .xlsx, or upload a .csv.',
    'SPREADSHEET.CORRUPT': 'The Excel file is damaged or incomplete ({reason}). Save it again and re-upload.',
    'SPREADSHEET.NO_WORKSHEET': 'The Excel file has no worksheet.',
    'SPREADSHEET.CSV_INVALID': 'The CSV file could not be read ({reason}).',
    'IMPORTS.NOTIFICATION_COMPLETED': 'Import of {fileName} finished: {succeeded} succeeded, {failed} failed, {skipped} skipped.',
    'IMPORTS.NOTIFICATION_FAILED': 'Import of {fileName} failed.',
    'IMPORTS.NOTIFICATION_CANCELLED': 'Import of {fileName} was cancelled.',
  },
  nl: {
    'IMPORTS.IMPORT_NOT_FOUND': 'Import niet gevonden.',
    'IMPORTS.TYPE_NOT_FOUND': 'Er is geen importtype "{type}". Beschikbaar: {available}.',
    'IMPORTS.FILE_REQUIRED': 'Voeg het te importeren bestand toe in formulierveld "file".',
    'IMPORTS.FILE_KIND_NOT_ACCEPTED': 'De import {type} accepteert {accepted}-bestanden; "{fileName}" hoort daar niet bij.',
    'IMPORTS.FILE_TOO_LARGE': 'Het bestand is groter dan de limiet van {limitMegabytes} MB.',
    'IMPORTS.FILE_EMPTY': 'Het geüploade bestand is leeg.',
    'IMPORTS.OPTIONS_INVALID': 'De opties zijn geen geldige JSON: {reason}',
    'IMPORTS.NOT_CANCELLABLE': 'De import is al beëindigd ({status}); er valt niets te annuleren.',
    'IMPORTS.TOO_MANY_STREAMS': 'Je volgt al {max} event-streams. Sluit er eerst een, of probeer het over {retryAfterSeconds} seconden opnieuw.',
    'IMPORTS.NO_FAILED_ROWS': 'De import heeft geen mislukte rijen.',
    'IMPORTS.ROW_STATUS_SUCCEEDED': 'Gelukt',
    'IMPORTS.VERDICT_LIKELY_TO_SUCCEED':
      'De import zal waarschijnlijk slagen: {valid} rij(en) kunnen worden geïmporteerd ({warnings} met waarschuwingen). Dat betekent niet per se dat het bestand perfect of volledig is, alleen dat niets ernstigs de import tegenhoudt. Upload hetzelfde bestand met validateOnly=false (of POST /api/imports/{id}/run) om het te importeren.',
    'IMPORTS.VERDICT_ERRORS_FOUND': 'Fouten gevonden: {failed} van {total} rij(en) kunnen niet worden geïmporteerd. Het resultatenbestand toont elke rij met haar uitkomst.',
    'IMPORTS.VERDICT_FILE_REFUSED': 'Fouten gevonden: het bestand is als geheel geweigerd ({reason}).',
    'IMPORTS.ROW_STATUS_FAILED': 'Mislukt',
    'IMPORTS.ROW_STATUS_SKIPPED': 'Overgeslagen',
    'IMPORTS.ROW_STATUS_VALID': 'Geldig (nog niet uitgevoerd)',
    'IMPORTS.ALREADY_RUN': 'Deze controle is al echt uitgevoerd (import {id}).',
    'IMPORTS.NOT_A_FINISHED_VALIDATION': 'Alleen een afgeronde controle-import kan echt worden uitgevoerd (deze is {status}).',
    'IMPORTS.MISSING_COLUMNS': 'Verplichte kolom(men) ontbreken: {columns}. Koppel er een kolom uit het bestand aan, of voeg ze toe aan het bestand (de eerste rij bevat: {found}); het sjabloon toont de verwachte kopteksten.',
    'IMPORTS.MISSING_ONE_OF_COLUMNS': 'Koppel ten minste een van deze kolommen: {columns} (de eerste rij van het bestand bevat: {found}).',
    'IMPORTS.DUPLICATE_COLUMN': 'Kolom "{column}" staat er twee keer in (nogmaals als "{header}"). Houd er één over.',
    'IMPORTS.MAPPING_UNKNOWN_COLUMN': 'De kolomkoppeling stuurt "{header}" naar "{column}", maar die kolom bestaat niet in deze import of u mag hem niet importeren. Koppel "{header}" aan een van {available}, of sla hem over.',
    'IMPORTS.IGNORED_COLUMNS': 'Kolom(men) die deze import niet gebruikt zijn genegeerd: {headers}.',
    'IMPORTS.NO_ROWS': 'Het blad heeft een koprij maar geen rijen om te importeren.',
    'IMPORTS.NO_HEADER': 'Het blad is leeg: de eerste rij moet de kolomkoppen bevatten.',
    'IMPORTS.TOO_MANY_ROWS': 'Het bestand heeft meer dan {max} rijen. Splits het in bestanden van hoogstens {max} rijen.',
    'IMPORTS.DUPLICATE_ROW': 'Gelijk aan rij {row}; overgeslagen.',
    'IMPORTS.SAME_ENTITY_TWICE': 'Rij(en) {rows} wijzigen hetzelfde record; elk record mag door één rij van het bestand worden gewijzigd.',
    'IMPORTS.VALUE_TOO_LONG': '{column} is {length} tekens lang; hoogstens {max} zijn toegestaan.',
    'IMPORTS.NOT_A_BOOLEAN': '{column} moet TRUE of FALSE zijn, niet "{value}".',
    'IMPORTS.ROW_WRITE_FAILED': 'De rij kon niet worden opgeslagen (referentie {reference}: de technische oorzaak staat in het serverlog). Controleer de waarden, of vraag een beheerder met de referentie.',
    'IMPORTS.ROW_ALREADY_SAVED': 'Hetzelfde record is op hetzelfde moment door een andere rij of import opgeslagen; overgeslagen.',
    'IMPORTS.UNEXPECTED_ERROR': 'De import is gestopt door een onverwachte fout (referentie {reference}). Verwerkte rijen blijven bewaard; start de import opnieuw om af te ronden.',
    'IMPORTS.FILE_UNREADABLE': 'Het bestand kon niet worden gelezen: {reason}',
    'IMPORTS.UNUSED_FILES': '{count} bestand(en) in de ZIP worden door geen enkele rij gebruikt: {names}.',
    'IMPORTS.WRAPPING_FOLDER': 'Alles in de ZIP stond in de map "{folder}"; die is als hoofdmap gebruikt. Zip volgende keer de bestanden zelf.',
    'IMPORTS.IGNORED_SYSTEM_FILES': '{count} systeembestand(en) zijn genegeerd (__MACOSX, .DS_Store, ...).',
    'IMPORTS.FILES_IN_SUBFOLDERS': 'Zet alle bestanden in de hoofdmap van de ZIP; deze staan in submappen: {paths}.',
    'IMPORTS.NO_SPREADSHEET_IN_ZIP': 'De ZIP moet precies één spreadsheet (.xlsx of .csv) in de hoofdmap bevatten; er is er geen.',
    'IMPORTS.SEVERAL_SPREADSHEETS_IN_ZIP': 'De ZIP moet precies één spreadsheet (.xlsx of .csv) in de hoofdmap bevatten; er zijn er {count}: {names}.',
    'ZIP.CORRUPT': 'Het ZIP-bestand is beschadigd of geen ZIP ({reason}). Maak het opnieuw en upload het nogmaals.',
    'ZIP.TOO_MANY_ENTRIES': 'De ZIP bevat {count} items; hoogstens {max} zijn toegestaan.',
    'ZIP.TOO_LARGE_UNCOMPRESSED': 'De ZIP pakt uit tot meer dan {maxMegabytes} MB; dat is niet toegestaan.',
    'ZIP.SUSPICIOUS_RATIO': '"{path}" pakt uit tot {ratio} keer de ingepakte grootte; dat lijkt op een ZIP-bom en is geweigerd.',
    'ZIP.SUSPICIOUS_ARCHIVE_RATIO': 'De {files} bestanden in de ZIP pakken samen uit tot {ratio} keer hun ingepakte grootte (hoogstens {max} is toegestaan); dat lijkt op een ZIP-bom en is geweigerd.',
    'IMPORTS.PENDING_QUOTA_EXCEEDED': 'Uw lopende imports gebruiken al {pendingMegabytes} MB van de {quotaMegabytes} MB per gebruiker; dit bestand ({fileMegabytes} MB) past er niet meer bij. Wacht tot ze klaar zijn, of annuleer er een.',
    'IMPORTS.UPLOAD_EXPIRED': 'Het geüploade bestand van deze import is na {days} dagen verwijderd; upload het opnieuw.',
    'ZIP.UNSAFE_PATH': 'De ZIP bevat een onveilig pad "{path}" (absoluut of met ..); geweigerd.',
    'ZIP.SYMLINK': 'De ZIP bevat een symbolische link "{path}"; dat is niet toegestaan.',
    'ZIP.ENCRYPTED': '"{path}" in de ZIP is met een wachtwoord beveiligd. Zip de bestanden zonder wachtwoord.',
    'SPREADSHEET.NOT_XLSX': 'Het bestand is geen Excel-werkmap (.xlsx). Sla het op als .xlsx, of upload een .csv.',
    'SPREADSHEET.CORRUPT': 'Het Excel-bestand is beschadigd of onvolledig ({reason}). Sla het opnieuw op en upload het nogmaals.',
    'SPREADSHEET.NO_WORKSHEET': 'Het Excel-bestand heeft geen werkblad.',
    'SPREADSHEET.CSV_INVALID': 'Het CSV-bestand kon niet worden gelezen ({reason}).',
    'IMPORTS.NOTIFICATION_COMPLETED': 'Import van {fileName} klaar: {succeeded} gelukt, {failed} mislukt, {skipped} overgeslagen.',
    'IMPORTS.NOTIFICATION_FAILED': 'Import van {fileName} is mislukt.',
    'IMPORTS.NOTIFICATION_CANCELLED': 'Import van {fileName} is geannuleerd.',
  },
});

// Limits that keep a hostile spreadsheet from exhausting a worker (issue 6).
registerMessages({
  en: {
    'SPREADSHEET.TOO_MANY_COLUMNS':
      'Row {row} uses {columns} columns; at most {max} are allowed. Delete the unused columns on the right (or copy only the columns to import into a new sheet) and upload again.',
    'SPREADSHEET.ROW_TOO_LARGE': 'Row {row} holds more than {maxKilobytes} KB, more than an import can handle. Shorten or remove that row and upload again.',
    'SPREADSHEET.PART_TOO_LARGE':
      'The Excel file is too large to read safely: its part {part} unpacks to more than {maxMegabytes} MB. Split it into smaller files, or save it as CSV, and upload again.',
    'SPREADSHEET.TOO_MANY_SHARED_STRINGS':
      'The Excel file holds more than {max} different texts, more than an import can keep in memory. Split it into smaller files, or save it as CSV, and upload again.',
    'SPREADSHEET.VALUE_TOO_LARGE': 'The Excel file holds a single value of more than {maxKilobytes} KB (in {part}), more than an import can handle. Remove it and upload again.',
    'SPREADSHEET.PART_TOO_COMPLEX':
      'The Excel file is too complex to read safely: its part {part} holds more than {max} elements of one kind (cell formats, column formats). Copy the data into a new workbook, or save it as CSV, and upload again.',
    'SPREADSHEET.CONTENT_OUTSIDE_CELLS':
      'The Excel file holds more than {maxKilobytes} KB of content outside its cells (in {part}), which no spreadsheet program writes and an import cannot hold. Save it again from Excel, or as CSV, and upload again.',
    'SPREADSHEET.UNSUPPORTED_XML':
      'The Excel file holds XML that no spreadsheet program writes ({what}, in {part}), so it is not read. Save it again from Excel, or as CSV, and upload again.',
    'IMPORTS.CELL_TOO_LONG': 'The cell in column {column} is {length} characters long; at most {max} fit in a cell.',
    'IMPORTS.PARSE_DIED':
      'Reading the file stopped the import worker {attempts} times (it may not fit in memory), so it was not tried again. Split the file into smaller ones or save it as CSV, and upload again.',
  },
  nl: {
    'SPREADSHEET.TOO_MANY_COLUMNS':
      'Rij {row} gebruikt {columns} kolommen; hoogstens {max} zijn toegestaan. Verwijder de ongebruikte kolommen rechts (of kopieer alleen de te importeren kolommen naar een nieuw blad) en upload opnieuw.',
    'SPREADSHEET.ROW_TOO_LARGE': 'Rij {row} bevat meer dan {maxKilobytes} KB, meer dan een import aankan. Maak die rij korter of verwijder haar en upload opnieuw.',
    'SPREADSHEET.PART_TOO_LARGE':
      'Het Excel-bestand is te groot om veilig te lezen: het onderdeel {part} pakt uit tot meer dan {maxMegabytes} MB. Splits het in kleinere bestanden, of sla het op als CSV, en upload opnieuw.',
    'SPREADSHEET.TOO_MANY_SHARED_STRINGS':
      'Het Excel-bestand bevat meer dan {max} verschillende teksten, meer dan een import in het geheugen kan houden. Splits het in kleinere bestanden, of sla het op als CSV, en upload opnieuw.',
    'SPREADSHEET.VALUE_TOO_LARGE': 'Het Excel-bestand bevat één waarde van meer dan {maxKilobytes} KB (in {part}), meer dan een import aankan. Verwijder die en upload opnieuw.',
    'SPREADSHEET.PART_TOO_COMPLEX':
      'Het Excel-bestand is te complex om veilig te lezen: het onderdeel {part} bevat meer dan {max} elementen van één soort (celopmaken, kolomopmaken). Kopieer de gegevens naar een nieuwe werkmap, of sla het op als CSV, en upload opnieuw.',
    'SPREADSHEET.CONTENT_OUTSIDE_CELLS':
      'Het Excel-bestand bevat meer dan {maxKilobytes} KB inhoud buiten de cellen (in {part}), wat geen spreadsheetprogramma schrijft en een import niet kan vasthouden. Sla het opnieuw op vanuit Excel, of als CSV, en upload opnieuw.',
    'SPREADSHEET.UNSUPPORTED_XML':
      'Het Excel-bestand bevat XML die geen spreadsheetprogramma schrijft ({what}, in {part}), dus het wordt niet gelezen. Sla het opnieuw op vanuit Excel, of als CSV, en upload opnieuw.',
    'IMPORTS.CELL_TOO_LONG': 'De cel in kolom {column} is {length} tekens lang; hoogstens {max} passen in een cel.',
    'IMPORTS.PARSE_DIED':
      'Het lezen van het bestand liet de importverwerker {attempts} keer stoppen (het past mogelijk niet in het geheugen), dus het is niet opnieuw geprobeerd. Splits het bestand in kleinere bestanden of sla het op als CSV, en upload opnieuw.',
  },
});

// Column mapping checked before an import reads its rows (column-mapping.ts).
registerMessages({
  en: {
    'IMPORTS.MAPPING_UNKNOWN_HEADER': 'The column mapping names the header "{header}", which is not in the file (its first row holds: {found}). Map the headers as they appear in the file, or upload the file the mapping was made for.',
    'IMPORTS.MAPPING_DUPLICATE_KEY':
      'Column {position} ("{header}") and column {otherPosition} ("{otherHeader}") are both mapped to {column}. Map only one of them to {column} and skip the other; if the file has two columns with the same header, rename one of them.',
    'IMPORTS.MAPPING_AMBIGUOUS_HEADER':
      'The column mapping names header "{header}" (column {position}) more than once, spelled differently and with different columns. Keep one entry for it, spelled as in the file.',
  },
  nl: {
    'IMPORTS.MAPPING_UNKNOWN_HEADER': 'De kolomkoppeling noemt de kop "{header}", maar die staat niet in het bestand (de eerste rij bevat: {found}). Koppel de koppen zoals ze in het bestand staan, of upload het bestand waarvoor de koppeling gemaakt is.',
    'IMPORTS.MAPPING_DUPLICATE_KEY':
      'Kolom {position} ("{header}") en kolom {otherPosition} ("{otherHeader}") zijn allebei gekoppeld aan {column}. Koppel er maar één aan {column} en sla de andere over; heeft het bestand twee kolommen met dezelfde kop, geef er dan één een andere naam.',
    'IMPORTS.MAPPING_AMBIGUOUS_HEADER':
      'De kolomkoppeling noemt kop "{header}" (kolom {position}) meer dan eens, verschillend gespeld en met verschillende kolommen. Houd er één vermelding voor over, gespeld zoals in het bestand.',
  },
});

// Table readers (libs/spreadsheet/table-readers.ts): tab-delimited text and XML records.
export const TABLE_READER_MESSAGES = {
  en: {
    'SPREADSHEET.TXT_INVALID': 'The tab-delimited text file could not be read ({reason}). Save it again as "Text (Tab delimited)" and upload again.',
    'SPREADSHEET.TOO_MANY_ROWS': 'The file has more than {max} rows. Split it into files of at most {max} rows.',
    'XML.DOCTYPE_REFUSED':
      'The XML file holds a DOCTYPE declaration (ending on line {line}). Imports refuse DOCTYPEs, since they can define entities that read other files or expand without end. Export the file without a DOCTYPE and upload again.',
    'XML.ENTITY_REFUSED':
      'The XML file uses the entity "&{entity};" on line {line}, column {column}. Only &lt; &gt; &amp; &quot; &apos; and numeric references (&#233;) are allowed: write the character itself instead, and upload again.',
    'XML.MALFORMED': 'The XML file is not well-formed at line {line}, column {column}: {reason}. Correct it (or export it again) and upload again.',
    'XML.UNKNOWN_FIELD':
      'Record {record} (line {line}) holds an element <{element}> that this import does not know. Allowed are: {expected}. Remove or rename that element and upload again.',
    'XML.DUPLICATE_FIELD': 'Record {record} holds the element <{element}> twice (the second on line {line}). Keep one and upload again.',
    'XML.NESTED_FIELD':
      'In record {record}, the field <{field}> holds another element <{element}> (line {line}); a field may hold only text. Put the value directly in <{field}> and upload again.',
    'XML.TEXT_IN_RECORD':
      'Record {record} (line {line}) holds text ("{text}") outside its fields. Put that text inside one of the field elements, or remove it, and upload again.',
    'XML.TOO_DEEP': 'The XML file nests elements more than {max} levels deep (line {line}, column {column}). Flatten its structure and upload again.',
    'XML.NAME_TOO_LONG': 'The XML file has a name of {length} characters ("{name}", line {line}); at most {max} are allowed. Correct it and upload again.',
    'XML.TOKEN_TOO_LARGE':
      'The XML file holds a single piece (a text, tag, comment or declaration, near line {line}) of more than {maxKilobytes} KB, more than an import can handle. Shorten or remove it and upload again.',
    'XML.ENCODING_UNSUPPORTED':
      'The XML file is in the encoding {encoding}, but imports read XML only in UTF-8 or UTF-16 (read as {detected}). Save or export it as UTF-8 and upload again.',
    'XML.ENCODING_INVALID': 'The XML file holds bytes that are not valid {encoding} (near line {line}). Save or export it as UTF-8 and upload again.',
  },
  nl: {
    'SPREADSHEET.TXT_INVALID': 'Het tekstbestand met tabs kon niet worden gelezen ({reason}). Sla het opnieuw op als "Tekst (tab is scheidingsteken)" en upload opnieuw.',
    'SPREADSHEET.TOO_MANY_ROWS': 'Het bestand heeft meer dan {max} rijen. Splits het in bestanden van hoogstens {max} rijen.',
    'XML.DOCTYPE_REFUSED':
      'Het XML-bestand bevat een DOCTYPE-declaratie (tot regel {line}). Imports weigeren DOCTYPEs, omdat die entiteiten kunnen definiëren die andere bestanden lezen of eindeloos uitdijen. Exporteer het bestand zonder DOCTYPE en upload opnieuw.',
    'XML.ENTITY_REFUSED':
      'Het XML-bestand gebruikt de entiteit "&{entity};" op regel {line}, kolom {column}. Alleen &lt; &gt; &amp; &quot; &apos; en numerieke verwijzingen (&#233;) zijn toegestaan: schrijf het teken zelf en upload opnieuw.',
    'XML.MALFORMED': 'Het XML-bestand is niet welgevormd op regel {line}, kolom {column}: {reason}. Verbeter het (of exporteer het opnieuw) en upload opnieuw.',
    'XML.UNKNOWN_FIELD':
      'Record {record} (regel {line}) bevat een element <{element}> dat deze import niet kent. Toegestaan zijn: {expected}. Verwijder of hernoem dat element en upload opnieuw.',
    'XML.DUPLICATE_FIELD': 'Record {record} bevat het element <{element}> twee keer (de tweede op regel {line}). Houd er één over en upload opnieuw.',
    'XML.NESTED_FIELD':
      'In record {record} bevat het veld <{field}> een ander element <{element}> (regel {line}); een veld mag alleen tekst bevatten. Zet de waarde direct in <{field}> en upload opnieuw.',
    'XML.TEXT_IN_RECORD':
      'Record {record} (regel {line}) bevat tekst ("{text}") buiten zijn velden. Zet die tekst in een van de veldelementen, of verwijder haar, en upload opnieuw.',
    'XML.TOO_DEEP': 'Het XML-bestand nest elementen meer dan {max} niveaus diep (regel {line}, kolom {column}). Maak de structuur platter en upload opnieuw.',
    'XML.NAME_TOO_LONG': 'Het XML-bestand heeft een naam van {length} tekens ("{name}", regel {line}); hoogstens {max} zijn toegestaan. Verbeter het en upload opnieuw.',
    'XML.TOKEN_TOO_LARGE':
      'Het XML-bestand bevat één stuk (een tekst, tag, commentaar of declaratie, rond regel {line}) van meer dan {maxKilobytes} KB, meer dan een import aankan. Maak het korter of verwijder het en upload opnieuw.',
    'XML.ENCODING_UNSUPPORTED':
      'Het XML-bestand heeft de codering {encoding}, maar imports lezen XML alleen in UTF-8 of UTF-16 (gelezen als {detected}). Sla het op of exporteer het als UTF-8 en upload opnieuw.',
    'XML.ENCODING_INVALID': 'Het XML-bestand bevat bytes die geen geldige {encoding} zijn (rond regel {line}). Sla het op of exporteer het als UTF-8 en upload opnieuw.',
  },
};
registerMessages(TABLE_READER_MESSAGES);

// The staged engine: mapping, confirmation, undo, expiry, the reaper (import-lifecycle.ts).
registerMessages({
  en: {
    'IMPORTS.NOT_AWAITING_MAPPING': 'This import is not waiting for a mapping (it is {status}). Only an import in awaiting_mapping takes a mapping.',
    'IMPORTS.NOT_AWAITING_CONFIRMATION': 'This import is not waiting for confirmation (it is {status}).',
    'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED': 'These warnings must be acknowledged before the import runs: {codes}. Read them in the rows, then confirm again with their codes in acknowledgedWarnings.',
    'IMPORTS.CHECK_BEFORE_RUN_FAILED': 'The import cannot run as it is: {count} problem(s), each named in the details. Resolve them and confirm again, or cancel the import.',
    'IMPORTS.UNDO_NOT_SUPPORTED': 'Imports of type {type} cannot be undone.',
    'IMPORTS.NOT_UNDOABLE': 'Only a completed import that wrote data can be undone (this one is {status}).',
    'IMPORTS.ALREADY_UNDONE': 'This import has already been undone (import {id}).',
    'IMPORTS.JOB_STALLED': 'The import stopped: its {job} work was interrupted again and again (reference {reference}). Rows already done are kept; start the import again to finish.',
    'IMPORTS.EXPIRED': 'The import waited more than {hours} hours for its mapping or confirmation and expired. Upload the file again.',
    'IMPORTS.FILE_CHANGED': 'The file no longer has the headers it had when it was previewed. Upload it again.',
    'IMPORTS.DUPLICATE_COMPOSITE_KEY': '{columns} "{value}" is also in row(s) {rows}. Each combination of {columns} may appear only once in the file: keep one row and remove the others.',
    'IMPORTS.DUPLICATE_KEY': '{column} "{value}" is also in row(s) {rows}. Each {column} may appear only once in the file: keep one row and remove the others.',
    'IMPORTS.OPTIONS_NOT_ACCEPTED': 'Imports of type {type} take no options like these: {options}. Remove them.',
    'IMPORTS.MAPPING_INVALID': 'The column mapping is not valid: {reason}. Send an object of header -> column key (or null to skip).',
    'IMPORTS.UNDO_CHANGED_SINCE': 'Not reverted: it was changed after the import. Undo it by hand if it should go.',
    'IMPORTS.UNDO_ALREADY_GONE': 'Nothing to revert: it no longer exists.',
    'IMPORTS.ONLY_STARTER_DECIDES': 'Only {name}, who started this import, can set its mapping or confirm it. You can cancel it.',
    'IMPORTS.NO_OUTCOME': 'The import type gave no outcome for this row (reference {reference}); it was not saved.',
    'IMPORTS.HEADER_TOO_LONG': 'Column {column} has a header of {length} characters; at most {max} are allowed. Shorten it and upload again.',
  },
  nl: {
    'IMPORTS.NOT_AWAITING_MAPPING': 'Deze import wacht niet op een kolomkoppeling (status: {status}). Alleen een import in awaiting_mapping neemt een koppeling aan.',
    'IMPORTS.NOT_AWAITING_CONFIRMATION': 'Deze import wacht niet op bevestiging (status: {status}).',
    'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED': 'Deze waarschuwingen moeten worden bevestigd voordat de import draait: {codes}. Lees ze bij de rijen en bevestig opnieuw met hun codes in acknowledgedWarnings.',
    'IMPORTS.CHECK_BEFORE_RUN_FAILED': 'De import kan zo niet draaien: {count} probleem/problemen, elk genoemd in de details. Los ze op en bevestig opnieuw, of annuleer de import.',
    'IMPORTS.UNDO_NOT_SUPPORTED': 'Imports van het type {type} kunnen niet ongedaan worden gemaakt.',
    'IMPORTS.NOT_UNDOABLE': 'Alleen een voltooide import die gegevens schreef kan ongedaan worden gemaakt (deze is {status}).',
    'IMPORTS.ALREADY_UNDONE': 'Deze import is al ongedaan gemaakt (import {id}).',
    'IMPORTS.JOB_STALLED': 'De import is gestopt: het {job}-werk werd steeds opnieuw onderbroken (referentie {reference}). Verwerkte rijen blijven bewaard; start de import opnieuw om af te ronden.',
    'IMPORTS.EXPIRED': 'De import wachtte meer dan {hours} uur op de kolomkoppeling of bevestiging en is verlopen. Upload het bestand opnieuw.',
    'IMPORTS.FILE_CHANGED': 'Het bestand heeft niet meer de kolomkoppen van de voorvertoning. Upload het opnieuw.',
    'IMPORTS.DUPLICATE_COMPOSITE_KEY': '{columns} "{value}" staat ook in rij(en) {rows}. Elke combinatie van {columns} mag maar één keer in het bestand staan: houd één rij en verwijder de andere.',
    'IMPORTS.DUPLICATE_KEY': '{column} "{value}" staat ook in rij(en) {rows}. Elke {column} mag maar één keer in het bestand staan: houd één rij en verwijder de andere.',
    'IMPORTS.OPTIONS_NOT_ACCEPTED': 'Imports van het type {type} kennen deze opties niet: {options}. Laat ze weg.',
    'IMPORTS.MAPPING_INVALID': 'De kolomkoppeling is ongeldig: {reason}. Stuur een object van kolomkop -> kolomsleutel (of null om over te slaan).',
    'IMPORTS.UNDO_CHANGED_SINCE': 'Niet teruggedraaid: het is na de import gewijzigd. Draai het met de hand terug als het weg moet.',
    'IMPORTS.UNDO_ALREADY_GONE': 'Niets terug te draaien: het bestaat niet meer.',
    'IMPORTS.ONLY_STARTER_DECIDES': 'Alleen {name}, die deze import startte, kan de kolomkoppeling instellen of hem bevestigen. Je kunt hem wel annuleren.',
    'IMPORTS.NO_OUTCOME': 'Het importtype gaf geen resultaat voor deze rij (referentie {reference}); ze is niet opgeslagen.',
    'IMPORTS.HEADER_TOO_LONG': 'Kolom {column} heeft een kop van {length} tekens; hoogstens {max} zijn toegestaan. Maak hem korter en upload opnieuw.',
  },
});
