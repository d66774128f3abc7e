// as a module that is not an entry point: the environment is read in packages/config and entry points
export const fixture = process.env.DSP_SOMETHING;
