/*
 * The modal the app opened for the person the page acts as: shown, checked the way Slack's client checks it, and
 * submitted or closed through the Slack stand-in.
 */

import { draftsOf, renderBlocks, selectOptions } from './block-kit.js';
import { avatar, byId, h, toast } from './dom.js';
import { plainText } from './mrkdwn.js';
import { appProblem, control } from './stand-in-http.js';

/** @import { CheckboxesElement, InputBlock, PageState, PlainTextInputElement, SlackView, StaticSelectElement } from './types.js' */

/**
 * The newest modal open for the person the page acts as.
 * @param {PageState} page
 */
function openView(page) {
  return page.slack?.views.filter((v) => v.userId === page.me && v.closedAt === undefined).at(-1);
}

/**
 * The state.values Slack would send, and the errors Slack's own client shows before sending anything.
 * @param {PageState} page
 * @param {SlackView} opened
 */
function collectValues(page, opened) {
  const drafts = draftsOf(page, opened.id);
  /** @type {Record<string, Record<string, unknown>>} */
  const values = {};
  /** @type {Record<string, string>} */
  const errors = {};
  for (const block of opened.view.blocks || []) {
    if (block.type !== 'input') continue;
    const { block_id: blockId, element, optional } = /** @type {InputBlock} */ (block);
    if (!element) continue;
    const raw = drafts[`${blockId}/${element.action_id}`];
    let value;
    if (element.type === 'static_select') {
      const select = /** @type {StaticSelectElement} */ (element);
      const chosen = selectOptions(select).find((o) => o.value === (raw ?? select.initial_option?.value));
      value = { type: 'static_select', selected_option: chosen ? { text: chosen.text, value: chosen.value } : null };
      if (!chosen && !optional) errors[blockId] = 'Please complete this required field.';
    } else if (element.type === 'plain_text_input') {
      const input = /** @type {PlainTextInputElement} */ (element);
      const text = raw ?? (input.initial_value || '');
      value = { type: 'plain_text_input', value: text === '' ? null : text };
      if (text.trim() === '' && !optional) errors[blockId] = 'Please complete this required field.';
      else if (text !== '' && input.min_length && text.length < input.min_length) {
        errors[blockId] = `Must have at least ${input.min_length} characters.`;
      }
    } else if (element.type === 'checkboxes') {
      const boxes = /** @type {CheckboxesElement} */ (element);
      const checked = new Set((raw ?? '').split('\n').filter(Boolean));
      const selected = (boxes.options || []).filter((o) => checked.has(o.value));
      value = { type: 'checkboxes', selected_options: selected.map((o) => ({ text: o.text, value: o.value })) };
      if (selected.length === 0 && !optional) errors[blockId] = 'Please complete this required field.';
    } else {
      continue;
    }
    values[blockId] = { [element.action_id || '']: value };
  }
  return { values, errors };
}

/**
 * @param {PageState} page
 * @param {SlackView} opened
 * @param {HTMLButtonElement} submitButton
 */
async function submitView(page, opened, submitButton) {
  const { values, errors } = collectValues(page, opened);
  page.clientErrors.set(opened.id, errors);
  if (Object.keys(errors).length > 0) {
    page.rendered.modal = '';
    renderModal(page);
    return;
  }
  submitButton.disabled = true;
  submitButton.textContent = 'Sending…';
  const result = await control('/_control/view-submissions', { userId: page.me, viewId: opened.id, values });
  const problem = appProblem(result);
  if (problem) {
    toast(`We had some trouble connecting: ${problem}`);
    submitButton.disabled = false;
    submitButton.textContent = plainText(opened.view.submit);
  }
}

/**
 * @param {PageState} page
 * @param {SlackView} opened
 */
async function closeView(page, opened) {
  page.drafts.delete(opened.id);
  page.clientErrors.delete(opened.id);
  const result = await control('/_control/view-closures', { userId: page.me, viewId: opened.id });
  if (!result.ok) toast(`Could not close the modal: ${appProblem(result)}`);
}

/** @param {PageState} page */
export function renderModal(page) {
  const opened = openView(page);
  const root = byId('modal-root');
  const key = opened
    ? JSON.stringify([page.me, opened.id, opened.hash, opened.errors || {}, page.clientErrors.get(opened.id) || {}])
    : '';
  if (key === page.rendered.modal) return;
  page.rendered.modal = key;
  if (!opened) {
    root.replaceChildren();
    return;
  }
  const view = opened.view;
  const titleId = `modal-title-${opened.id}`;
  const submit = view.submit
    ? h('button', { type: 'submit', class: 'sl-button primary modal-submit', text: plainText(view.submit) })
    : undefined;
  const appAvatar = avatar('J A', undefined, false);
  appAvatar.classList.add('modal-app');
  const form = h(
    'form',
    {
      class: 'modal',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': titleId,
      dataset: { viewId: opened.id },
    },
    h(
      'div',
      { class: 'modal-header' },
      appAvatar,
      h('h2', { id: titleId, text: plainText(view.title) }),
      h('button', {
        type: 'button',
        class: 'modal-x',
        'aria-label': 'Close',
        text: '×',
        onclick: () => closeView(page, opened),
      }),
    ),
    h('div', { class: 'modal-body' }, renderBlocks(page, view.blocks, { view: opened })),
    h(
      'div',
      { class: 'modal-footer' },
      h('button', {
        type: 'button',
        class: 'sl-button modal-close',
        text: plainText(view.close) || 'Cancel',
        onclick: () => closeView(page, opened),
      }),
      submit,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submit) void submitView(page, opened, submit);
  });
  root.replaceChildren(h('div', { class: 'modal-backdrop' }, form));
  const first = form.querySelector('.has-error select, .has-error textarea, .has-error input, select, textarea, input');
  if (first instanceof HTMLElement) first.focus();
}
