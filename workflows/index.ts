export { accessGrantWorkflow } from './grant/access-grant';
export { reconcilerWorkflow } from './reconciler/reconciler';
