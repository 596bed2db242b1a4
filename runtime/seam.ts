// The meerkat–mob seam dispatcher: routes effects between a Mob machine and the session machines of
// its members, per the route table of spec/meerkat-mob-seam.composition.json (each route's
// `deliver` builds the consumer's trigger). Mob commands are committed before their requests reach
// the sessions; session reports reach the mob only for committed session transitions, and a
// binding the mob would refuse is refused before the session commits it.

import { meerkatMobSeamComposition } from "../generated/meerkat-mob-seam.composition.js";
import { mobKernel, MobMachine, type MobEffect, type MobInput, type MobSignal, type MobState } from "../generated/mob.machine.js";
import type { SessionRuntimeTrigger } from "../generated/session.machine.js";
import type { AnyEffect, AnyTrigger, RouteDesc } from "../kernel/index.js";
import type { RoutedEffect, SignalDispatcher } from "./core.js";
import { describeRefusalOf, SeamRefusedError } from "./seam-errors.js";
import type { SessionId } from "./input.js";
import type { ControlPlane } from "./runtime.js";

export interface MobSeamOptions {
  /** The session that hosts a member (created by the seam on provisioning). */
  readonly sessionFor: (member: string) => SessionId;
}

type Route = RouteDesc<AnyEffect, AnyTrigger>;

export interface MobCommandResult {
  readonly transition: string;
  readonly effects: readonly MobEffect[];
}

export class MobSeam implements SignalDispatcher {
  readonly mob = new MobMachine();
  readonly #routes: readonly Route[] = meerkatMobSeamComposition.routes;
  /** Which session hosts a runtime id: learned from provisioning, recycle and reset requests. */
  readonly #sessionOfRuntime = new Map<string, SessionId>();
  readonly #delivered: Array<{ readonly route: string; readonly sessionId: SessionId; readonly trigger: string }> = [];

  constructor(
    readonly runtime: ControlPlane,
    readonly options: MobSeamOptions,
  ) {
    runtime.setSignalDispatcher(this);
  }

  get state(): MobState {
    return this.mob.state;
  }

  /** Routes delivered so far (for diagnostics and tests). */
  get delivered(): ReadonlyArray<{ readonly route: string; readonly sessionId: SessionId; readonly trigger: string }> {
    return this.#delivered;
  }

  /**
   * Applies a mob command, then delivers its routed requests to the member sessions in order. The
   * mob's committed state is kept if a session refuses a request; the refusal is thrown.
   */
  async command(input: MobInput): Promise<MobCommandResult> {
    const fired = this.mob.apply(input);
    if (!fired.ok) throw new SeamRefusedError("mob", input.kind, describeRefusalOf(fired));
    for (const effect of fired.effects) await this.#deliverToSession(effect);
    return { transition: fired.transition, effects: fired.effects };
  }

  // SignalDispatcher: session → mob

  preview(sessionId: SessionId, effect: RoutedEffect): void {
    const signal = this.#mobSignal(effect);
    if (signal === null) return;
    const r = mobKernel.transition(this.mob.state, signal);
    if (!r.ok) throw new SeamRefusedError(sessionId, signal.kind, describeRefusalOf(r));
  }

  dispatch(sessionId: SessionId, effect: RoutedEffect): void {
    const signal = this.#mobSignal(effect);
    if (signal === null) return;
    const r = this.mob.apply(signal);
    if (!r.ok) throw new SeamRefusedError(sessionId, signal.kind, describeRefusalOf(r));
    this.#delivered.push({ route: this.#routeFrom("member", effect.effect)?.name ?? "?", sessionId, trigger: signal.kind });
  }

  #routeFrom(instance: "mob" | "member", effect: string): Route | undefined {
    return this.#routes.find((r) => r.from.instance === instance && r.from.effect === effect);
  }

  #mobSignal(effect: RoutedEffect): MobSignal | null {
    const route = this.#routeFrom("member", effect.effect);
    if (route === undefined) return null;
    return route.deliver(effect as unknown as AnyEffect) as unknown as MobSignal;
  }

  async #deliverToSession(effect: MobEffect): Promise<void> {
    const route = this.#routeFrom("mob", effect.effect);
    if (route === undefined) return; // MemberReady, MobDestroyed: not routed
    const trigger = route.deliver(effect as unknown as AnyEffect) as unknown as SessionRuntimeTrigger;
    let sessionId: SessionId | undefined;
    if ("member" in effect && "runtime" in effect) {
      sessionId = this.options.sessionFor(effect.member);
      this.#sessionOfRuntime.set(effect.runtime, sessionId);
    } else if ("runtime" in effect) {
      sessionId = this.#sessionOfRuntime.get(effect.runtime);
    }
    if (sessionId === undefined) throw new SeamRefusedError("mob", trigger.kind, `no session hosts the runtime of ${effect.effect}`);
    this.#delivered.push({ route: route.name, sessionId, trigger: trigger.kind });
    await this.#applyToSession(sessionId, trigger);
  }

  /** The consumer surface: the four request kinds plus provisioning map onto runtime operations. */
  async #applyToSession(sessionId: SessionId, trigger: SessionRuntimeTrigger): Promise<void> {
    const rt = this.runtime;
    switch (trigger.kind) {
      case "RegisterSession":
        await rt.registerSession(sessionId);
        return;
      case "PrepareBindings":
        await rt.prepareBindings(sessionId, { runtimeId: trigger.runtime, fence: trigger.fence, generation: trigger.generation });
        return;
      case "Ingest":
        await rt.ingest(sessionId, trigger.runtime, trigger.work);
        return;
      case "Retire":
        await rt.retire(sessionId, trigger.fence === null ? {} : { fence: trigger.fence });
        return;
      case "Destroy":
        await rt.destroy(sessionId, trigger.fence === null ? {} : { fence: trigger.fence });
        return;
      case "Recycle":
        await rt.recycle(sessionId);
        return;
      case "Reset":
        await rt.reset(sessionId);
        return;
      default:
        throw new SeamRefusedError(sessionId, trigger.kind, "not a seam route target");
    }
  }
}
