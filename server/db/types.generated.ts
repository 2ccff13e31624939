// placeholder until generated
export interface DB {}
