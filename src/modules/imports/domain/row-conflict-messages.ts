import { registerMessages } from '#libs/i18n/i18n.js';

/** A row's write hit a unique key held by another record (saved by someone else meanwhile, or by an undo's restore). */
registerMessages({
  en: {
    'IMPORTS.ROW_CONFLICT': 'Another record already holds the same value for the unique key "{key}" (saved meanwhile by someone else); the row was not saved. Check the value, or import the row again.',
    'IMPORTS.ROW_CONFLICT_UNNAMED': 'Another record already holds one of the unique values of this row (saved meanwhile by someone else); the row was not saved. Check the values, or import the row again.',
  },
  nl: {
    'IMPORTS.ROW_CONFLICT': 'Een ander record heeft al dezelfde waarde voor de unieke sleutel "{key}" (intussen door iemand anders opgeslagen); de rij is niet opgeslagen. Controleer de waarde, of importeer de rij opnieuw.',
    'IMPORTS.ROW_CONFLICT_UNNAMED': 'Een ander record heeft al een van de unieke waarden van deze rij (intussen door iemand anders opgeslagen); de rij is niet opgeslagen. Controleer de waarden, of importeer de rij opnieuw.',
  },
});
