export { FakeEnumeratorContext } from '@tributary/core/testing';
