/**
 * The entity routes' inbound convention: clients name the message type `action`
 * (`{"action":"list","query":{…}}`). A route decode (WsRouteOptions.decode), so only these
 * routes read `action` as the type; a frame that has a `type` keeps it.
 */
export function actionAsType(raw: Record<string, unknown>): Record<string, unknown> {
  if (typeof raw.type !== 'string' && typeof raw.action === 'string') raw.type = raw.action;
  return raw;
}
