import { ChangeFeed } from '../http/change-feed';
import { isPlainObject } from '../http/http-io';

export interface JiraProjectConfig {
  key: string;
  issueTypes: string[];
}

/** A transition offered from every status but its own target, as in Jira's simplified (team-managed) workflows. */
export interface JiraWorkflowTransition {
  id: string;
  name: string;
  /** the status it leads to */
  to: string;
}

export interface JiraComment {
  id: string;
  /** ADF document */
  body: unknown;
  /** the email of the account that wrote it */
  author: string;
  created: string;
}

export interface AppliedTransition {
  id: string;
  name: string;
  from: string;
  to: string;
  at: string;
}

export interface JiraIssue {
  id: string;
  key: string;
  fields: {
    /** project key */
    project: string;
    /** issue type name */
    issuetype: string;
    summary: string;
    /** ADF document, when one was given */
    description?: unknown;
    labels: string[];
  };
  /** status name */
  status: string;
  created: string;
  comments: JiraComment[];
  transitions: AppliedTransition[];
}

export type JiraChange =
  | { type: 'issue-created'; key: string }
  | { type: 'comment-added'; key: string; commentId: string }
  | { type: 'issue-transitioned'; key: string; from: string; to: string };

export interface JiraProject {
  id: string;
  key: string;
  issueTypes: Array<{ id: string; name: string }>;
}

const INITIAL_STATUS = 'To Do';

/** Jira's own default workflow transition ids for To Do, In Progress and Done. */
export const DEFAULT_WORKFLOW: readonly JiraWorkflowTransition[] = [
  { id: '11', name: 'To Do', to: 'To Do' },
  { id: '21', name: 'In Progress', to: 'In Progress' },
  { id: '31', name: 'Done', to: 'Done' },
];

/** Jira timestamps: milliseconds and a numeric zone, e.g. 2024-05-01T09:30:00.000+0000. */
function jiraTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** The stand-in's in-memory Jira site: projects with their issue types, issues, comments and one workflow. */
export class JiraSite {
  readonly changes: ChangeFeed<JiraChange>;
  readonly #workflow: readonly JiraWorkflowTransition[];
  readonly #projects: JiraProject[];
  readonly #issues: JiraIssue[] = [];
  readonly #statusIds = new Map<string, string>();
  readonly #issueNumbers = new Map<string, number>();
  #nextIssueId = 10000;
  #nextCommentId = 10000;

  constructor(
    projects: readonly JiraProjectConfig[],
    workflow: readonly JiraWorkflowTransition[],
    onListenerError?: (error: unknown) => void,
  ) {
    this.changes = new ChangeFeed<JiraChange>(onListenerError);
    this.#workflow = workflow.map((t) => ({ ...t }));
    const issueTypeIds = new Map<string, string>();
    this.#projects = projects.map((project, index) => ({
      id: String(10000 + index),
      key: project.key,
      issueTypes: project.issueTypes.map((name) => {
        const id = issueTypeIds.get(name) ?? String(10001 + issueTypeIds.size);
        issueTypeIds.set(name, id);
        return { id, name };
      }),
    }));
    for (const status of [INITIAL_STATUS, ...workflow.map((t) => t.to)]) {
      if (!this.#statusIds.has(status)) this.#statusIds.set(status, String(10000 + this.#statusIds.size));
    }
  }

  /** A project by `{key}` or `{id}`, as a create names it, or by a JQL value: key (case-insensitive) or id. */
  project(ref: unknown): JiraProject | undefined {
    if (typeof ref === 'string') {
      return this.#projects.find((p) => p.key.toUpperCase() === ref.toUpperCase() || p.id === ref);
    }
    if (!isPlainObject(ref)) return undefined;
    if (typeof ref.key === 'string') return this.#projects.find((p) => p.key === ref.key);
    if (typeof ref.id === 'string') return this.#projects.find((p) => p.id === ref.id);
    return undefined;
  }

  /** By id, or by key without regard to case as Jira does. */
  issue(idOrKey: string): JiraIssue | undefined {
    const key = idOrKey.toUpperCase();
    return this.#issues.find((issue) => issue.id === idOrKey || issue.key === key);
  }

  statusId(status: string): string {
    return this.#statusIds.get(status) ?? '10000';
  }

  createIssue(
    project: JiraProject,
    issueType: string,
    fields: Omit<JiraIssue['fields'], 'project' | 'issuetype'>,
  ): JiraIssue {
    const number = (this.#issueNumbers.get(project.key) ?? 0) + 1;
    this.#issueNumbers.set(project.key, number);
    const issue: JiraIssue = {
      id: String(this.#nextIssueId++),
      key: `${project.key}-${number}`,
      fields: { project: project.key, issuetype: issueType, ...fields },
      status: INITIAL_STATUS,
      created: jiraTimestamp(new Date()),
      comments: [],
      transitions: [],
    };
    this.#issues.push(issue);
    this.changes.emit({ type: 'issue-created', key: issue.key });
    return issue;
  }

  addComment(issue: JiraIssue, body: unknown, author: string): JiraComment {
    const comment: JiraComment = {
      id: String(this.#nextCommentId++),
      body,
      author,
      created: jiraTimestamp(new Date()),
    };
    issue.comments.push(comment);
    this.changes.emit({ type: 'comment-added', key: issue.key, commentId: comment.id });
    return comment;
  }

  availableTransitions(issue: JiraIssue): JiraWorkflowTransition[] {
    return this.#workflow.filter((t) => t.to !== issue.status);
  }

  applyTransition(issue: JiraIssue, transition: JiraWorkflowTransition): void {
    const from = issue.status;
    issue.status = transition.to;
    issue.transitions.push({
      id: transition.id,
      name: transition.name,
      from,
      to: transition.to,
      at: jiraTimestamp(new Date()),
    });
    this.changes.emit({ type: 'issue-transitioned', key: issue.key, from, to: transition.to });
  }

  /** Issues carrying `label`, in one project when given, oldest first. */
  withLabel(label: string, project?: JiraProject): JiraIssue[] {
    return this.#issues.filter(
      (issue) => issue.fields.labels.includes(label) && (!project || issue.fields.project === project.key),
    );
  }

  /** Deep copies, so a reader cannot change the site behind the API's back. */
  snapshot(): JiraIssue[] {
    return structuredClone(this.#issues);
  }
}

/** A JQL query the stand-in does not answer; Jira reports these as 400 with the reason in errorMessages. */
export class JqlError extends Error {
  override readonly name = 'JqlError';
}

export interface LabelQuery {
  label: string;
  /** the project value as written (key or id) */
  project?: string;
}

type JqlToken = { kind: 'word' | 'string' | 'eq'; text: string };

const JQL_TOKEN = String.raw`\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(=)|([^\s="']+))`;
const UNSUPPORTED = 'the stand-in answers only labels = "x", optionally preceded by project = KEY AND';

function jqlTokens(jql: string): JqlToken[] {
  const pattern = new RegExp(JQL_TOKEN, 'y');
  const tokens: JqlToken[] = [];
  while (jql.slice(pattern.lastIndex).trim() !== '') {
    const start = pattern.lastIndex;
    const match = pattern.exec(jql);
    if (!match) throw new JqlError(`Error in the JQL Query: unexpected input at character ${start + 1}.`);
    const [, doubleQuoted, singleQuoted, equals, word] = match;
    const quoted = doubleQuoted ?? singleQuoted;
    if (quoted !== undefined) tokens.push({ kind: 'string', text: quoted.replace(/\\(.)/g, '$1') });
    else if (equals !== undefined) tokens.push({ kind: 'eq', text: equals });
    else tokens.push({ kind: 'word', text: word ?? '' });
  }
  return tokens;
}

/** `labels = "x"` or `project = KEY AND labels = "x"` (either order, keywords in any case, values quoted or bare). */
export function parseLabelQuery(jql: string): LabelQuery {
  const tokens = jqlTokens(jql);
  const clauses = new Map<string, string>();
  for (let i = 0; ;) {
    const [field, equals, value] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    const name = field?.kind === 'word' ? field.text.toLowerCase() : '';
    if (
      !['project', 'labels'].includes(name) ||
      clauses.has(name) ||
      equals?.kind !== 'eq' ||
      !value ||
      value.kind === 'eq'
    ) {
      throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}.`);
    }
    clauses.set(name, value.text);
    i += 3;
    if (i === tokens.length) break;
    const and = tokens[i];
    if (and?.kind !== 'word' || and.text.toUpperCase() !== 'AND')
      throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}.`);
    i += 1;
  }
  const label = clauses.get('labels');
  if (label === undefined) throw new JqlError(`Error in the JQL Query: ${UNSUPPORTED}.`);
  return { label, project: clauses.get('project') };
}
