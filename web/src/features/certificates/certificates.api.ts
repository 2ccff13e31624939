import { useQuery } from '@tanstack/react-query';
import { certificateVerificationSchema, myCertificatesSchema } from '../../../../contracts/certificates.ts';
import { api, isApiError } from '../../lib/api.ts';

export const certificateKeys = {
  verify: (publicId: string) => ['certificates', 'verify', publicId.toUpperCase()] as const,
  mine: ['certificates', 'mine'] as const,
};

/** The public facts of a certificate (anyone). A 404 is an answer, not a failure to retry. */
export function useCertificateVerification(publicId: string) {
  return useQuery({
    queryKey: certificateKeys.verify(publicId),
    queryFn: ({ signal }) =>
      api.get(
        `/api/certificates/verify/${encodeURIComponent(publicId)}`,
        certificateVerificationSchema,
        undefined,
        signal,
      ),
    retry: (failures, error) => !isApiError(error, 'not_found') && failures < 2,
  });
}

/** The signed-in learner's certificates (My learning links to their PDF and verification page). */
export function useMyCertificates(enabled = true) {
  return useQuery({
    queryKey: certificateKeys.mine,
    enabled,
    queryFn: ({ signal }) => api.get('/api/me/certificates', myCertificatesSchema, undefined, signal),
  });
}
