// A Worker examples/platform tails (producer.toml names it in `tail_consumers`): it logs a line
// and answers, or throws when asked, so the Rust tail handler sees both outcomes.
export default {
  fetch(request) {
    const say = new URL(request.url).searchParams.get("say") ?? "hello";
    console.log(`producer says ${say}`);
    if (say == "throw") throw new Error("the producer was asked to throw");
    return new Response(`produced ${say}\n`);
  },
};
