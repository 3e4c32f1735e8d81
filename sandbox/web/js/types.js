/*
 * The shapes the page works with: the JSON the sandbox and the stand-ins answer, and the page's own state.
 * Types only, for tsc (sandbox/web/tsconfig.json); the browser loads nothing from this module.
 */

// ---------------------------------------------------------------- the sandbox (`GET /_page/…`, sandbox/page-data.ts)

/**
 * @typedef {object} PagePerson
 * @property {string} slackUserId
 * @property {string} realName
 * @property {string} title
 * @property {string} [jumpcloudUserId]
 * @property {string[]} roles 'requester' (has a JumpCloud account) and/or 'approver'
 * @property {string[]} approves names of the groups this person approves
 */

/**
 * @typedef {object} PageJitGroup
 * @property {string} id
 * @property {string} name
 * @property {string} maxDuration e.g. '1h'
 * @property {string[]} approvers Slack user IDs
 * @property {boolean} allowSelfApproval
 */

/**
 * `GET /_page/config`: where the other systems are, and who is who.
 * @typedef {object} SandboxPageConfig
 * @property {string} workspaceName
 * @property {string} slashCommand
 * @property {string} jumpcloudOrigin the JumpCloud stand-in's origin, for its `/_control/events` (CORS allowed)
 * @property {string} temporalUiUrl
 * @property {string} temporalNamespace
 * @property {Array<{ id: string, name: string }>} channels
 * @property {string} approvalChannelId
 * @property {PagePerson[]} people
 * @property {PageJitGroup[]} jitGroups
 */

/**
 * @typedef {'PENDING_APPROVAL' | 'APPROVED' | 'ACTIVE' | 'EXPIRED' | 'REVOKED' | 'REJECTED' | 'TIMED_OUT' |
 *   'CANCELLED' | 'ALREADY_MEMBER' | 'FAILED'} GrantStatus
 */

/**
 * One grant as Temporal lists it, with its audit records (`GET /_page/grants`, newest first).
 * @typedef {object} PageGrant
 * @property {string} workflowId
 * @property {string} runId
 * @property {GrantStatus} status
 * @property {string} requesterSlackUserId
 * @property {string} jumpcloudUserId
 * @property {string} groupId
 * @property {string} startedAt ISO 8601
 * @property {string} [expiresAt] ISO 8601
 * @property {string} [closedAt] ISO 8601
 * @property {string} temporalUrl this run in the Temporal Web UI
 * @property {PageGrantAudit} audit
 */

/**
 * What the audit stand-ins hold about one grant; a sink with nothing for it yet is left out.
 * @typedef {object} PageGrantAudit
 * @property {{ number: string, status: string }} [serviceNow]
 * @property {{ key: string, status: string, comments: number }} [jira]
 * @property {string[]} webhookEvents the accepted events' types, in arrival order (`grant.requested`, …)
 */

// ---------------------------------------------------------------- Block Kit, as the app sends it

/**
 * @typedef {object} TextObject
 * @property {'plain_text' | 'mrkdwn'} type
 * @property {string} text
 * @property {boolean} [emoji]
 */

/**
 * @typedef {object} ImageElement
 * @property {'image'} type
 * @property {string} [alt_text]
 */

/**
 * @typedef {object} ConfirmObject
 * @property {TextObject} [title]
 * @property {TextObject} [text]
 * @property {TextObject} [confirm]
 * @property {TextObject} [deny]
 * @property {'primary' | 'danger'} [style]
 */

/**
 * @typedef {object} SelectOption
 * @property {TextObject} text
 * @property {string} value
 */

/**
 * Any interactive element; `type` says which of the shapes below it has.
 * @typedef {object} BlockElement
 * @property {string} type
 * @property {string} [action_id]
 */

/**
 * @typedef {BlockElement & {
 *   type: 'button',
 *   text: TextObject,
 *   value?: string,
 *   style?: 'primary' | 'danger',
 *   confirm?: ConfirmObject,
 * }} ButtonElement
 */

/**
 * @typedef {BlockElement & {
 *   type: 'static_select',
 *   placeholder?: TextObject,
 *   options?: SelectOption[],
 *   option_groups?: Array<{ label: TextObject, options?: SelectOption[] }>,
 *   initial_option?: SelectOption,
 * }} StaticSelectElement
 */

/**
 * @typedef {BlockElement & {
 *   type: 'plain_text_input',
 *   placeholder?: TextObject,
 *   initial_value?: string,
 *   multiline?: boolean,
 *   min_length?: number,
 *   max_length?: number,
 * }} PlainTextInputElement
 */

/**
 * @typedef {BlockElement & {
 *   type: 'checkboxes',
 *   options?: Array<SelectOption & { description?: TextObject }>,
 * }} CheckboxesElement
 */

/**
 * Any block; `type` says which of the shapes below it has.
 * @typedef {object} Block
 * @property {string} type
 * @property {string} [block_id]
 */

/** @typedef {Block & { type: 'section', text?: TextObject, fields?: TextObject[], accessory?: BlockElement }} SectionBlock */
/** @typedef {Block & { type: 'context', elements?: Array<TextObject | ImageElement> }} ContextBlock */
/** @typedef {Block & { type: 'actions', elements?: BlockElement[] }} ActionsBlock */
/** @typedef {Block & { type: 'header', text: TextObject }} HeaderBlock */

/**
 * @typedef {Block & {
 *   type: 'input',
 *   block_id: string,
 *   label: TextObject,
 *   element?: BlockElement,
 *   hint?: TextObject,
 *   optional?: boolean,
 * }} InputBlock
 */

// ---------------------------------------------------------------- the Slack stand-in (`/_control/state`, `/_control/events`)

/**
 * @typedef {object} SlackUser
 * @property {string} id
 * @property {string} name
 * @property {string} [realName]
 */

/**
 * @typedef {object} SlackChannel
 * @property {string} id
 * @property {string} name
 * @property {boolean} isIm
 * @property {string} [userId] for a DM: the user the bot talks to
 */

/**
 * @typedef {object} SlackMessage
 * @property {string} channel
 * @property {string} ts
 * @property {string} [text]
 * @property {Block[]} [blocks]
 * @property {string} postedBy 'bot' or a user ID
 * @property {number} updates
 * @property {string} [ephemeralTo]
 */

/**
 * A modal as `views.open` answered it; Slack fills in `close` and `submit` with null when the app left them out.
 * @typedef {object} ModalView
 * @property {TextObject} [title]
 * @property {TextObject | null} [submit]
 * @property {TextObject | null} [close]
 * @property {Block[]} [blocks]
 */

/**
 * @typedef {object} SlackView
 * @property {string} id
 * @property {string} userId
 * @property {ModalView} view
 * @property {string} hash
 * @property {number} [closedAt] set once the modal closed
 * @property {Record<string, string>} [errors] the app's last `response_action: 'errors'`, by block ID
 */

/**
 * @typedef {object} SlackState
 * @property {SlackUser[]} users
 * @property {SlackChannel[]} channels
 * @property {SlackMessage[]} messages
 * @property {SlackView[]} views
 */

/**
 * What a control route answered. For a request to the app, `body` is how the app answered (status, body, whether
 * it acknowledged in time); for a refusal by the stand-in, `body.message` says why.
 * @typedef {object} ControlResult
 * @property {boolean} ok
 * @property {number} status HTTP status, 0 when the request did not get through
 * @property {{ message?: string, ackDeadlineMissed?: boolean, status?: number, body?: string } | undefined} body
 */

// ---------------------------------------------------------------- the JumpCloud stand-in (`/_control/events`)

/**
 * @typedef {object} JumpCloudUser
 * @property {string} id
 * @property {string} username
 * @property {string} [firstname]
 * @property {string} [lastname]
 */

/**
 * @typedef {object} JumpCloudGroup
 * @property {string} id
 * @property {string} name
 * @property {string} [description]
 */

/** @typedef {{ groupId: string, userId: string }} Membership */

/**
 * @typedef {object} JumpCloudState
 * @property {JumpCloudUser[]} users
 * @property {JumpCloudGroup[]} groups
 * @property {Membership[]} memberships
 */

/**
 * @typedef {Membership & { type: 'member-added' | 'member-removed', at: number }} MembershipChange
 */

// ---------------------------------------------------------------- the page

/**
 * A channel ID, or '@app' for the direct messages with the app.
 * @typedef {string} Conversation
 */

/**
 * Everything the page knows and remembers; the live data is undefined until its first read.
 * @typedef {object} PageState
 * @property {SandboxPageConfig} config
 * @property {string} me the Slack user ID of the person the page acts as
 * @property {Conversation} conversation
 * @property {SlackState} [slack]
 * @property {JumpCloudState} [jumpcloud]
 * @property {PageGrant[]} [grants]
 * @property {string} [grantsProblem] why the last read of the grants failed
 * @property {Map<string, Record<string, string>>} drafts viewId → { `${blockId}/${actionId}` → value }: what the
 *   user typed survives re-renders and inline errors
 * @property {Map<string, Record<string, string>>} clientErrors viewId → { blockId → message }: the checks Slack's own
 *   client makes before it submits
 * @property {Map<string, number>} [messageVersions] `${channel}/${ts}` → update count, to flash new and changed messages
 * @property {Map<string, number>} freshMessages `${channel}/${ts}` → until when (ms) it is highlighted
 * @property {Map<string, number>} freshMembers `${groupId}/${userId}` → until when (ms) it is highlighted
 * @property {Map<string, number>} read `${me}|${conversation}` → number of messages read
 * @property {MembershipChange[]} activity newest first
 * @property {boolean} slackLive
 * @property {boolean} jumpcloudLive
 * @property {{ modal: string, messages: string, conversation: string, sidePanel: string }} rendered what each part
 *   was last rendered from, so unchanged parts keep their DOM (focus, scroll, hover)
 */

/**
 * `{ message }` or `{ view }`: where a block is shown, so a click is reported from the right place.
 * @typedef {{ message: SlackMessage, view?: undefined } | { view: SlackView, message?: undefined }} BlockPlace
 */

export {};
