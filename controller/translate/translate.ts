// From read resources to everything the outputs need: the mesh and one plan per MetaRouter, with
// every problem found on the way (schema problems come from the reader).
import type { ReadResult } from "../resources/read.ts";
import { sortProblems, type Problem } from "../resources/problem.ts";
import { buildMesh, type Mesh, type MeshOptions } from "./mesh.ts";
import { compileRouters, type RouterPlan } from "./routers.ts";

export interface Translation {
  mesh: Mesh;
  plans: RouterPlan[];
  problems: Problem[];
}

export function translate(read: ReadResult, options: MeshOptions = {}): Translation {
  const { mesh, problems: meshProblems } = buildMesh(read.resources, options);
  const { plans, problems: routerProblems } = compileRouters(read.resources, mesh);
  return { mesh, plans, problems: sortProblems([...read.problems, ...meshProblems, ...routerProblems]) };
}
