// The Worker entry's router of examples/room: `?name=<object>` goes to that object.
export const route = (request, env) => {
  const name = new URL(request.url).searchParams.get("name") ?? "default";
  return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
};
