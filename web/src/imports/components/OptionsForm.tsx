import { useEffect, useState } from 'react';
import { useImportsEnv } from '../env';
import { controlOf, entityItems, entitySourceOf, splitList, type OptionValues } from '../model/options';
import type { ImportOption } from '../types';

interface Entity {
  value: string;
  label: string;
}

/** The lists the options name (groups, roles, ...), read once per form; undefined while loading or unreadable. */
function useEntityLists(typeKey: string, options: ImportOption[]) {
  const { api } = useImportsEnv();
  const [lists, setLists] = useState<Record<string, Entity[] | 'unavailable'>>({});
  useEffect(() => {
    let live = true;
    for (const option of options) {
      const source = entitySourceOf(typeKey, option);
      if (!source) continue;
      api.entities(source.path).then(
        (body) => {
          if (!live) return;
          const items = entityItems(body).map((item) => ({ value: source.value(item), label: source.label(item) }));
          items.sort((a, b) => a.label.localeCompare(b.label));
          setLists((current) => ({ ...current, [option.key]: items }));
        },
        () => live && setLists((current) => ({ ...current, [option.key]: 'unavailable' })),
      );
    }
    return () => {
      live = false;
    };
  }, [api, typeKey, options]);
  return lists;
}

/**
 * The type's options as a form generated from their descriptions (GET /api/import-types): a checkbox per
 * boolean, a select for fixed values or an entity, checkboxes for a list of entities, text otherwise.
 * The API's refusals are shown under the option they are about.
 */
export function OptionsForm({
  typeKey,
  options,
  values,
  onChange,
  errors,
  idPrefix,
}: {
  typeKey: string;
  options: ImportOption[];
  values: OptionValues;
  onChange(values: OptionValues): void;
  errors: Record<string, string[]>;
  idPrefix: string;
}) {
  const { t, maybe } = useImportsEnv();
  const lists = useEntityLists(typeKey, options);
  if (options.length === 0) return <p className="imp-muted">{t('imports.options.none')}</p>;

  const set = (key: string, value: OptionValues[string]) => onChange({ ...values, [key]: value });
  const valueLabel = (option: ImportOption, value: string) => maybe(`imports.optionValue.${option.key}.${value}`) ?? value;

  return (
    <div className="imp-options">
      {options.map((option) => {
        const id = `${idPrefix}-${option.key}`;
        const list = lists[option.key];
        const entities = Array.isArray(list) ? list : undefined;
        const control = controlOf(option, !!entitySourceOf(typeKey, option) && list !== 'unavailable');
        const label = maybe(`imports.option.${option.key}`) ?? option.key;
        const help = maybe(`imports.option.${option.key}.help`) ?? option.description;
        const problems = errors[option.key] ?? [];
        const describedBy = [`${id}-help`, problems.length ? `${id}-error` : ''].filter(Boolean).join(' ');
        const common = { 'aria-describedby': describedBy, 'aria-invalid': problems.length > 0 || undefined, 'aria-required': option.required || undefined };
        const value = values[option.key];
        let field;
        switch (control) {
          case 'checkbox':
            field = (
              <div className="imp-field imp-field--check">
                <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(option.key, e.target.checked)} {...common} />
                <label htmlFor={id}>{label}</label>
              </div>
            );
            break;
          case 'select':
            field = (
              <div className="imp-field">
                <label htmlFor={id}>
                  {label}
                  {option.required ? ' *' : ''}
                </label>
                <select id={id} value={typeof value === 'string' ? value : ''} onChange={(e) => set(option.key, e.target.value || undefined)} {...common}>
                  <option value="">{option.required ? '—' : t('imports.options.default')}</option>
                  {(entities ?? (option.values ?? []).map((v) => ({ value: v, label: valueLabel(option, v) }))).map((entry) => (
                    <option key={entry.value} value={entry.value}>
                      {entry.label}
                    </option>
                  ))}
                  {entities === undefined && !option.values?.length && typeof value === 'string' && value ? <option value={value}>{value}</option> : null}
                </select>
              </div>
            );
            break;
          case 'multi': {
            const chosen = Array.isArray(value) ? value : typeof value === 'string' ? splitList(value) : [];
            const choices = entities ?? (option.values ?? []).map((v) => ({ value: v, label: valueLabel(option, v) }));
            field = (
              <fieldset className="imp-fieldset" aria-describedby={describedBy} aria-invalid={problems.length > 0 || undefined}>
                <legend>
                  {label}
                  {option.required ? ' *' : ''}
                </legend>
                {list === undefined && entitySourceOf(typeKey, option) ? <p className="imp-muted">{t('imports.loading')}</p> : null}
                <div className="imp-checklist">
                  {choices.map((entry) => (
                    <div key={entry.value} className="imp-field imp-field--check">
                      <input
                        id={`${id}-${entry.value}`}
                        type="checkbox"
                        checked={chosen.includes(entry.value)}
                        onChange={(e) => set(option.key, e.target.checked ? [...chosen, entry.value] : chosen.filter((v) => v !== entry.value))}
                      />
                      <label htmlFor={`${id}-${entry.value}`}>{entry.label}</label>
                    </div>
                  ))}
                </div>
              </fieldset>
            );
            break;
          }
          case 'list':
            field = (
              <div className="imp-field">
                <label htmlFor={id}>
                  {label}
                  {option.required ? ' *' : ''}
                </label>
                <textarea
                  id={id}
                  rows={2}
                  value={Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : ''}
                  onChange={(e) => set(option.key, e.target.value)}
                  {...common}
                />
              </div>
            );
            break;
          default:
            field = (
              <div className="imp-field">
                <label htmlFor={id}>
                  {label}
                  {option.required ? ' *' : ''}
                </label>
                <input
                  id={id}
                  type="text"
                  inputMode={control === 'number' ? 'numeric' : undefined}
                  value={typeof value === 'string' ? value : ''}
                  onChange={(e) => set(option.key, e.target.value)}
                  {...common}
                />
              </div>
            );
        }
        return (
          <div key={option.key} className="imp-option" data-option={option.key}>
            {field}
            <p id={`${id}-help`} className="imp-help">
              {help}
              {list === 'unavailable' ? ` ${t('imports.options.unavailable')}` : ''}
              {control === 'list' ? ` ${t('imports.options.listHint')}` : ''}
            </p>
            {problems.length > 0 ? (
              <div id={`${id}-error`} className="imp-field-error" role="alert">
                {problems.map((message, index) => (
                  <p key={index}>{message}</p>
                ))}
              </div>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
