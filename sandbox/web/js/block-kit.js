/*
 * Block Kit as Slack's client shows it: blocks, buttons (with their confirmation dialog) and a modal's input
 * elements. A click goes back to the Slack stand-in exactly as Slack would report it, button value unchanged.
 */

import { byIdAs, h, toast } from './dom.js';
import { plainText, textObjectNode } from './mrkdwn.js';
import { appProblem, control } from './stand-in-http.js';

/**
 * @import {
 *   ActionsBlock, Block, BlockElement, BlockPlace, ButtonElement, CheckboxesElement, ConfirmObject, ContextBlock, HeaderBlock,
 *   InputBlock, PageState, PlainTextInputElement, SectionBlock, SelectOption, SlackView, StaticSelectElement,
 * } from './types.js'
 */

/**
 * @param {PageState} page
 * @param {Block[] | undefined} blocks
 * @param {BlockPlace} place
 */
export function renderBlocks(page, blocks, place) {
  return (blocks || []).map((block) => renderBlock(page, block, place));
}

/**
 * @param {PageState} page
 * @param {Block} block
 * @param {BlockPlace} place
 */
function renderBlock(page, block, place) {
  switch (block.type) {
    case 'section': {
      const section = /** @type {SectionBlock} */ (block);
      const accessory = section.accessory;
      return h(
        'div',
        { class: 'block block-section' },
        section.text && textObjectNode(page, section.text),
        section.fields &&
          h(
            'div',
            { class: 'block-fields' },
            section.fields.map((field) => textObjectNode(page, field)),
          ),
        accessory &&
          isButton(accessory) &&
          h('div', { class: 'block-actions' }, renderButton(page, accessory, section.block_id, place)),
      );
    }
    case 'context': {
      const context = /** @type {ContextBlock} */ (block);
      return h(
        'div',
        { class: 'block block-context' },
        (context.elements || []).map((element) =>
          element.type === 'image' ? h('span', { text: element.alt_text || '' }) : textObjectNode(page, element),
        ),
      );
    }
    case 'actions': {
      const actions = /** @type {ActionsBlock} */ (block);
      return h(
        'div',
        { class: 'block block-actions' },
        (actions.elements || []).map((element) =>
          isButton(element)
            ? renderButton(page, element, actions.block_id, place)
            : h('span', { class: 'unsupported', text: `[${element.type}]` }),
        ),
      );
    }
    case 'header':
      return h('div', { class: 'block block-header', text: plainText(/** @type {HeaderBlock} */ (block).text) });
    case 'divider':
      return h('hr', { class: 'block-divider' });
    case 'input':
      return place.view
        ? renderInput(page, /** @type {InputBlock} */ (block), place.view)
        : h('div', { class: 'unsupported', text: '[input block]' });
    default:
      return h('div', { class: 'block unsupported', text: `[${block.type} block]` });
  }
}

/**
 * @param {BlockElement} element
 * @returns {element is ButtonElement}
 */
function isButton(element) {
  return element.type === 'button';
}

/**
 * @param {PageState} page
 * @param {ButtonElement} element
 * @param {string | undefined} blockId
 * @param {BlockPlace} place
 */
function renderButton(page, element, blockId, place) {
  const button = h('button', {
    type: 'button',
    class: `sl-button${element.style ? ` ${element.style}` : ''}`,
    dataset: { actionId: element.action_id || '' },
    text: plainText(element.text),
  });
  button.addEventListener('click', async () => {
    if (element.confirm && !(await confirmDialog(page, element.confirm))) return;
    button.disabled = true;
    const action = { action_id: element.action_id, block_id: blockId, value: element.value, type: 'button' };
    const target = place.view ? { viewId: place.view.id } : { channel: place.message.channel, ts: place.message.ts };
    const result = await control('/_control/block-actions', { userId: page.me, actions: [action], ...target });
    button.disabled = false;
    const problem = appProblem(result);
    if (problem) toast(`That didn't work: ${problem}`);
  });
  return button;
}

/**
 * Slack's confirmation dialog for a button with `confirm`; resolves true when confirmed.
 * @param {PageState} page
 * @param {ConfirmObject} confirm
 * @returns {Promise<boolean>}
 */
function confirmDialog(page, confirm) {
  const dialog = byIdAs('confirm-dialog', 'dialog');
  return new Promise((resolve) => {
    /** @param {boolean} confirmed */
    const finish = (confirmed) => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      resolve(confirmed);
    };
    /** @param {Event} event */
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    dialog.addEventListener('cancel', onCancel);
    dialog.replaceChildren(
      h('h2', { id: 'confirm-title', text: plainText(confirm.title) || 'Are you sure?' }),
      h('div', { class: 'confirm-text' }, textObjectNode(page, confirm.text)),
      h(
        'div',
        { class: 'confirm-buttons' },
        h('button', {
          type: 'button',
          class: 'sl-button',
          text: plainText(confirm.deny) || 'Cancel',
          onclick: () => finish(false),
        }),
        h('button', {
          type: 'button',
          class: `sl-button ${confirm.style === 'danger' ? 'danger filled' : 'primary'}`,
          text: plainText(confirm.confirm) || 'Yes',
          onclick: () => finish(true),
        }),
      ),
    );
    dialog.showModal();
  });
}

/**
 * What the user typed into a modal, kept across re-renders: `${blockId}/${actionId}` → value.
 * @param {PageState} page
 * @param {string} viewId
 * @returns {Record<string, string>}
 */
export function draftsOf(page, viewId) {
  let drafts = page.drafts.get(viewId);
  if (!drafts) {
    drafts = {};
    page.drafts.set(viewId, drafts);
  }
  return drafts;
}

/**
 * @param {StaticSelectElement} element
 * @returns {SelectOption[]}
 */
export function selectOptions(element) {
  return element.options || (element.option_groups || []).flatMap((group) => group.options || []);
}

/**
 * @param {PageState} page
 * @param {InputBlock} block
 * @param {SlackView} opened
 */
function renderInput(page, block, opened) {
  const element = block.element || { type: 'none' };
  const key = `${block.block_id}/${element.action_id}`;
  const drafts = draftsOf(page, opened.id);
  const controlId = `input-${opened.id}-${block.block_id}`;
  const error = (page.clientErrors.get(opened.id) || {})[block.block_id] || (opened.errors || {})[block.block_id];
  /** @type {HTMLElement} */
  let field;
  if (element.type === 'static_select') {
    const select = /** @type {StaticSelectElement} */ (element);
    const dropdown = h(
      'select',
      { id: controlId, name: key },
      h('option', { value: '', disabled: true, text: plainText(select.placeholder) || 'Select an item' }),
      selectOptions(select).map((option) => h('option', { value: option.value, text: plainText(option.text) })),
    );
    dropdown.value = drafts[key] ?? select.initial_option?.value ?? '';
    dropdown.addEventListener('change', () => {
      drafts[key] = dropdown.value;
    });
    field = dropdown;
  } else if (element.type === 'plain_text_input') {
    const input = /** @type {PlainTextInputElement} */ (element);
    const box = h(input.multiline ? 'textarea' : 'input', {
      id: controlId,
      name: key,
      placeholder: input.placeholder ? plainText(input.placeholder) : undefined,
      maxlength: input.max_length,
    });
    box.value = drafts[key] ?? input.initial_value ?? '';
    box.addEventListener('input', () => {
      drafts[key] = box.value;
    });
    field = box;
  } else if (element.type === 'checkboxes') {
    const boxes = /** @type {CheckboxesElement} */ (element);
    // Checked values, one per line, so the draft stays a string like the other inputs'.
    const checked = new Set((drafts[key] ?? '').split('\n').filter(Boolean));
    field = h(
      'div',
      { id: controlId, class: 'checkboxes' },
      (boxes.options || []).map((option) => {
        const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: option.value }));
        box.checked = checked.has(option.value);
        box.addEventListener('change', () => {
          if (box.checked) checked.add(option.value);
          else checked.delete(option.value);
          drafts[key] = [...checked].join('\n');
        });
        return h(
          'label',
          { class: 'checkbox' },
          box,
          h(
            'span',
            {},
            plainText(option.text),
            option.description && h('span', { class: 'input-hint', text: plainText(option.description) }),
          ),
        );
      }),
    );
  } else {
    field = h('div', { class: 'unsupported', text: `[${element.type} element]` });
  }
  return h(
    'div',
    { class: `input-block${error ? ' has-error' : ''}`, dataset: { blockId: block.block_id } },
    h(
      'label',
      { for: controlId },
      plainText(block.label),
      block.optional && h('span', { class: 'optional', text: ' (optional)' }),
    ),
    field,
    block.hint && h('div', { class: 'input-hint', text: plainText(block.hint) }),
    error && h('div', { class: 'input-error', role: 'alert', text: error }),
  );
}
