/*
 * Who and what an ID names: the sandbox's people and groups first, then what the stand-ins know, then the ID itself.
 */

/** @import { PagePerson, PageState } from './types.js' */

/**
 * @param {PageState} page
 * @param {string} slackUserId
 * @returns {PagePerson | undefined}
 */
export function person(page, slackUserId) {
  return page.config.people.find((p) => p.slackUserId === slackUserId);
}

/**
 * @param {PageState} page
 * @param {string} slackUserId
 */
export function slackName(page, slackUserId) {
  const known = person(page, slackUserId);
  if (known) return known.realName;
  const user = page.slack?.users.find((u) => u.id === slackUserId);
  return user ? user.realName || user.name : slackUserId;
}

/**
 * @param {PageState} page
 * @param {string} userId
 */
export function jumpcloudName(page, userId) {
  const known = page.config.people.find((p) => p.jumpcloudUserId === userId);
  if (known) return known.realName;
  const user = page.jumpcloud?.users.find((u) => u.id === userId);
  if (!user) return userId;
  return [user.firstname, user.lastname].filter(Boolean).join(' ') || user.username;
}

/**
 * @param {PageState} page
 * @param {string} groupId
 */
export function groupName(page, groupId) {
  const group = page.jumpcloud?.groups.find((g) => g.id === groupId);
  if (group) return group.name;
  const jit = page.config.jitGroups.find((g) => g.id === groupId);
  return jit ? jit.name : groupId;
}

/**
 * @param {PageState} page
 * @param {string} channelId
 */
export function channelName(page, channelId) {
  const channel = page.config.channels.find((c) => c.id === channelId);
  return channel ? channel.name : channelId;
}
